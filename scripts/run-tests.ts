/**
 * `npm test`: builds the app, provides a real PostgreSQL (embedded unless
 * FERRY_TEST_DATABASE_URL points at a server), then runs every unit test
 * (lib/**\/*.test.ts) and HTTP/browser test (tests/**\/*.test.ts) with Node's
 * test runner. Pass file paths to run only those.
 */
// First: `next build` below inherits NEXT_TELEMETRY_DISABLED.
import "@/lib/boot/next-telemetry";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ensureEmbeddedPostgres, type RunningDatabase } from "@/lib/db/embedded-postgres";

const root = path.resolve(import.meta.dirname, "..");

function findTests(dir: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".") || entry.name === "generated") continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) findTests(full, out);
    else if (entry.name.endsWith(".test.ts") || entry.name.endsWith(".test.tsx")) out.push(path.relative(root, full));
  }
  return out;
}

async function main(): Promise<number> {
  const requested = process.argv.slice(2);
  const files =
    requested.length > 0 ? requested : [...findTests(path.join(root, "lib")), ...findTests(path.join(root, "tests"))];
  const needsServer = files.some((f) => f.startsWith("tests") || f.startsWith(`.${path.sep}tests`));

  if (needsServer && process.env.FERRY_TEST_SKIP_BUILD !== "1") {
    console.log("# building the app (next build)");
    const build = spawnSync("npm", ["run", "--silent", "build"], { cwd: root, stdio: "inherit" });
    if (build.status !== 0) return build.status ?? 1;
  }

  let database: RunningDatabase | null = null;
  let adminUrl = process.env.FERRY_TEST_DATABASE_URL;
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-test-pg-"));
  if (!adminUrl) {
    database = await ensureEmbeddedPostgres(scratch, (line) => console.log(`# ${line}`));
    // Connect to the maintenance database; each test file creates its own.
    adminUrl = database.url.replace(/\/ferry$/, "/postgres");
  }

  const child = spawn(
    process.execPath,
    ["--import", "tsx", "--test", "--test-concurrency=2", "--test-reporter=spec", ...files],
    { cwd: root, stdio: "inherit", env: { ...process.env, FERRY_TEST_DATABASE_URL: adminUrl, NODE_ENV: "test" } },
  );
  const code = await new Promise<number>((resolve) => child.on("exit", (c) => resolve(c ?? 1)));
  await database?.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
  return code;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
