/**
 * `npm test`: runs every unit test (lib/**\/*.test.ts) and HTTP/browser test
 * (tests/**\/*.test.ts) with Node's test runner; pass file paths to run only those.
 *
 * It provides only what the selected files need, read from what they import
 * (directly or through helpers):
 * - tests/helpers/ferry-server.ts (HTTP and browser tests): a fresh `next build`
 *   (skipped with FERRY_TEST_SKIP_BUILD=1) and a PostgreSQL server;
 * - tests/helpers/test-database.ts (unit tests with a database): a PostgreSQL
 *   server, embedded unless FERRY_TEST_DATABASE_URL points at one;
 * - tests/helpers/fixtures.ts: the real-IPA fixture set, checked before
 *   anything else so a missing set stops the run at once with one sentence.
 */
// First: `next build` below inherits NEXT_TELEMETRY_DISABLED.
import "@/lib/boot/next-telemetry";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { missingFixturesMessage } from "../tests/helpers/fixtures";

const root = path.resolve(import.meta.dirname, "..");
const SERVER_HELPER = path.join(root, "tests/helpers/ferry-server.ts");
const DATABASE_HELPER = path.join(root, "tests/helpers/test-database.ts");
const FIXTURES_HELPER = path.join(root, "tests/helpers/fixtures.ts");

function findTests(dir: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".") || entry.name === "generated") continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) findTests(full, out);
    else if (entry.name.endsWith(".test.ts") || entry.name.endsWith(".test.tsx")) out.push(path.relative(root, full));
  }
  return out;
}

// `from "x"`, `import "x"`, `import("x")`; a false match in a string resolves to no file and is ignored.
const IMPORT = /\b(?:from|import)\s*\(?\s*["']([^"'\n]+)["']/g;

/** The project files `file` imports: relative, `@/` and absolute specifiers that exist; packages are skipped. */
function localImports(file: string): string[] {
  let source: string;
  try {
    source = fs.readFileSync(file, "utf8");
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const [, spec] of source.matchAll(IMPORT)) {
    if (!spec) continue;
    let base: string;
    if (spec.startsWith("@/")) base = path.join(root, spec.slice(2));
    else if (spec.startsWith(".")) base = path.resolve(path.dirname(file), spec);
    else if (path.isAbsolute(spec)) base = spec;
    else continue;
    const stem = base.replace(/\.js$/, "");
    const found = [base, `${stem}.ts`, `${stem}.tsx`, path.join(base, "index.ts"), path.join(base, "index.tsx")].find(
      (candidate) => fs.statSync(candidate, { throwIfNoEntry: false })?.isFile(),
    );
    if (found && !found.includes(`${path.sep}node_modules${path.sep}`)) out.push(found);
  }
  return out;
}

type Needs = { build: boolean; database: boolean; fixtures: boolean };

/** What the selected files need, from every project file they reach through imports. */
function needsOf(files: string[]): Needs {
  const seen = new Set<string>();
  const stack = files.map((f) => path.resolve(root, f));
  while (stack.length > 0) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    stack.push(...localImports(file));
  }
  const build = seen.has(SERVER_HELPER);
  return { build, database: build || seen.has(DATABASE_HELPER), fixtures: seen.has(FIXTURES_HELPER) };
}

async function main(): Promise<number> {
  const requested = process.argv.slice(2);
  const files =
    requested.length > 0 ? requested : [...findTests(path.join(root, "lib")), ...findTests(path.join(root, "tests"))];
  const needs = needsOf(files);

  // Before building or starting anything: without the set, every fixture test would fail on its own ENOENT.
  const missing = needs.fixtures ? missingFixturesMessage() : null;
  if (missing) {
    console.error(missing);
    return 1;
  }
  const yesNo = (b: boolean) => (b ? "yes" : "no");
  console.log(
    `# ${files.length} test file(s): build ${yesNo(needs.build)}, database ${yesNo(needs.database)}, fixtures ${yesNo(needs.fixtures)}`,
  );

  if (needs.build && process.env.FERRY_TEST_SKIP_BUILD !== "1") {
    console.log("# building the app (next build)");
    const build = spawnSync("npm", ["run", "--silent", "build"], { cwd: root, stdio: "inherit" });
    if (build.status !== 0) return build.status ?? 1;
  }

  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: "test" };
  // A relative FERRY_FIXTURES means relative to where the runner was started, not to each test's directory.
  if (env.FERRY_FIXTURES) env.FERRY_FIXTURES = path.resolve(env.FERRY_FIXTURES);
  let stopDatabase = async () => {};
  if (!needs.database) {
    // A test that needs none must not come to depend on one by accident.
    delete env.FERRY_TEST_DATABASE_URL;
  } else if (!env.FERRY_TEST_DATABASE_URL) {
    // Loaded only here: starting PostgreSQL is the slow part a pure unit run skips.
    const { ensureEmbeddedPostgres } = await import("@/lib/db/embedded-postgres");
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-test-pg-"));
    const database = await ensureEmbeddedPostgres(scratch, (line) => console.log(`# ${line}`));
    // Connect to the maintenance database; each test file creates its own.
    env.FERRY_TEST_DATABASE_URL = database.url.replace(/\/ferry$/, "/postgres");
    stopDatabase = async () => {
      await database.stop();
      fs.rmSync(scratch, { recursive: true, force: true });
    };
  }

  const child = spawn(
    process.execPath,
    ["--import", "tsx", "--test", "--test-concurrency=2", "--test-reporter=spec", ...files],
    { cwd: root, stdio: "inherit", env },
  );
  const code = await new Promise<number>((resolve) => child.on("exit", (c) => resolve(c ?? 1)));
  await stopDatabase();
  return code;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
