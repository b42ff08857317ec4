/**
 * The real-IPA fixture set (real .ipa files and provisioning profiles) lives
 * outside the repository: they are third-party files Ferry does not
 * redistribute (origin and licences: the set's own README.md; `npm run
 * fixtures` fetches it, scripts/fetch-fixtures.ts). Only corpus-tier tests
 * (`*.corpus.test.ts`), benchmarks and the test runner use it, and only here.
 */
import fs from "node:fs";
import path from "node:path";

// From this module's own location, so the default does not depend on the working directory.
const ROOT = path.resolve(import.meta.dirname, "../..");

/** `FERRY_FIXTURES` when set, else `../shared/fixtures` beside the checkout. */
export function fixturesDir(): string {
  const configured = process.env.FERRY_FIXTURES;
  return configured ? path.resolve(configured) : path.resolve(ROOT, "../shared/fixtures");
}

/** A file or folder inside the fixture set, e.g. `fixturePath("ipa", "app_info--iphone.ipa")`. */
export function fixturePath(...parts: string[]): string {
  return path.join(fixturesDir(), ...parts);
}

/** Null when the set is there; otherwise one sentence saying where it comes from and how to point at it. */
export function missingFixturesMessage(): string | null {
  const dir = fixturesDir();
  if (fs.existsSync(path.join(dir, "expected.json"))) return null;
  return (
    `the real-IPA corpus is not at ${dir} (third-party files kept outside this repository, README.md "Test fixtures"): ` +
    `get it with \`npm run fixtures\` (needs internet), or point FERRY_FIXTURES=/path/to/fixtures at a copy.`
  );
}
