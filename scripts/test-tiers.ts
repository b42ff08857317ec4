/**
 * Test tiers, declared by each test file's path (never guessed from what it imports):
 *
 * | tier   | path                                             | needs                                  |
 * |--------|--------------------------------------------------|----------------------------------------|
 * | unit   | any other `*.test.ts` (lib/, tests/helpers/, …)  | nothing: no PostgreSQL, no build       |
 * | db     | `*.db.test.ts`                                   | PostgreSQL                             |
 * | http   | `tests/*.test.ts`                                | PostgreSQL and a `next build`          |
 * | e2e    | `tests/e2e-*.test.ts`                            | PostgreSQL, a build and Chromium       |
 * | corpus | `*.corpus.test.ts`                               | the real-IPA corpus (FERRY_FIXTURES); under tests/ also PostgreSQL and a build |
 *
 * scripts/test-tiers.test.ts checks that what each file imports stays within its tier.
 */
import fs from "node:fs";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "..");
export const TIERS = ["unit", "db", "http", "e2e", "corpus"] as const;
export type Tier = (typeof TIERS)[number];

export const HELPERS = {
  server: path.join(ROOT, "tests/helpers/ferry-server.ts"),
  database: path.join(ROOT, "tests/helpers/test-database.ts"),
  fixtures: path.join(ROOT, "tests/helpers/fixtures.ts"),
  browser: path.join(ROOT, "tests/helpers/browser.ts"),
};

export function isTestFile(name: string): boolean {
  return name.endsWith(".test.ts") || name.endsWith(".test.tsx");
}

/** The tier a test file declares by its path (absolute, or relative to the repository root). */
export function tierOf(file: string): Tier {
  const absolute = path.resolve(ROOT, file);
  const base = path.basename(absolute);
  if (/\.corpus\.test\.tsx?$/.test(base)) return "corpus";
  if (/\.db\.test\.tsx?$/.test(base)) return "db";
  // Only files directly in tests/ start a server; tests/helpers/*.test.ts are unit tests of the helpers.
  if (path.dirname(absolute) === path.join(ROOT, "tests")) return base.startsWith("e2e-") ? "e2e" : "http";
  return "unit";
}

/** What a tier's files get from the runner. */
export function tierNeeds(tier: Tier, file?: string): { build: boolean; database: boolean; fixtures: boolean } {
  switch (tier) {
    case "unit":
      return { build: false, database: false, fixtures: false };
    case "db":
      return { build: false, database: true, fixtures: false };
    case "http":
    case "e2e":
      return { build: true, database: true, fixtures: false };
    case "corpus": {
      // A corpus test beside the HTTP tests runs against a server; one under lib/ needs only the files.
      const server =
        file === undefined || ["http", "e2e"].includes(tierOf(file.replace(/\.corpus(\.test\.tsx?)$/, "$1")));
      return { build: server, database: server, fixtures: true };
    }
  }
}

export function findTests(dir: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".") || entry.name === "generated") continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) findTests(full, out);
    else if (isTestFile(entry.name)) out.push(path.relative(ROOT, full));
  }
  return out;
}

/** Every test file in the repository, relative to its root. */
export function allTests(): string[] {
  return ["lib", "tests", "scripts"]
    .map((dir) => path.join(ROOT, dir))
    .filter((dir) => fs.existsSync(dir))
    .flatMap((dir) => findTests(dir))
    .sort();
}

// `from "x"`, `import "x"`, `import("x")`; a false match in a string resolves to no file and is ignored.
const IMPORT = /\b(?:from|import)\s*\(?\s*["']([^"'\n]+)["']/g;

/** The project files `file` imports: relative, `@/` and absolute specifiers that exist; packages are skipped. */
export function localImports(file: string): string[] {
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
    if (spec.startsWith("@/")) base = path.join(ROOT, spec.slice(2));
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

/** Every project file `file` reaches through imports, itself included. */
export function reachable(file: string): Set<string> {
  const seen = new Set<string>();
  const stack = [path.resolve(ROOT, file)];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...localImports(next));
  }
  return seen;
}

/**
 * Why `file` does not belong in the tier its path declares, or null when it does:
 * a file may use only what its tier provides.
 */
export function tierViolation(file: string): string | null {
  const tier = tierOf(file);
  const reached = reachable(file);
  const own = fs.readFileSync(path.resolve(ROOT, file), "utf8");
  const usesDatabase = reached.has(HELPERS.database) || own.includes("FERRY_TEST_DATABASE_URL");
  const usesServer = reached.has(HELPERS.server);
  const usesFixtures = reached.has(HELPERS.fixtures);
  const usesBrowser = reached.has(HELPERS.browser);
  const rename = (suffix: string) => `rename it to *.${suffix}.test.ts`;
  switch (tier) {
    case "unit":
      if (usesServer) return "a unit test starts no server: move it to tests/";
      if (usesDatabase) return `a unit test uses no database: ${rename("db")}`;
      if (usesFixtures) return `a unit test reads no real-IPA corpus: ${rename("corpus")}`;
      return null;
    case "db":
      if (usesServer) return "a database test starts no server: move it to tests/";
      if (usesFixtures) return `a database test reads no real-IPA corpus: ${rename("corpus")}`;
      if (!usesDatabase) return "a database test that uses no database is a unit test: drop `.db` from its name";
      return null;
    case "http":
      if (usesFixtures) return `an HTTP test reads no real-IPA corpus (generate builds instead): ${rename("corpus")}`;
      if (usesBrowser) return "a browser test is an e2e test: name it tests/e2e-*.test.ts";
      return null;
    case "e2e":
      if (usesFixtures) return `an e2e test reads no real-IPA corpus (generate builds instead): ${rename("corpus")}`;
      return null;
    case "corpus": {
      if (!usesFixtures) return "a corpus test that reads no corpus file belongs in another tier";
      const needs = tierNeeds("corpus", file);
      if (!needs.build && usesServer) return "a corpus test that starts a server belongs in tests/";
      if (!needs.database && usesDatabase) return "a corpus test under lib/ uses no database";
      return null;
    }
  }
}
