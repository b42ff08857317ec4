/**
 * The real-IPA fixture set (real .ipa files and provisioning profiles) lives
 * outside the repository: they are third-party files Ferry does not
 * redistribute (origin and licences: the set's own README.md). Every test,
 * benchmark and the test runner find it here, and only here.
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
    `The real-IPA test fixtures are not at ${dir}: they are third-party files kept outside this repository ` +
    `(where they come from: README.md, "Test fixtures"), so get the set and run with FERRY_FIXTURES=/path/to/fixtures.`
  );
}
