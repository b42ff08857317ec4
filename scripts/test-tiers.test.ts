/** Every test file's tier, declared by its path, matches what it uses (scripts/test-tiers.ts). */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, test } from "node:test";
import { allTests, ROOT, tierOf, tierViolation } from "./test-tiers";

test("every test file uses only what its tier provides", () => {
  const files = allTests();
  assert.ok(files.length > 50, `found only ${files.length} test files`);
  const wrong = files.flatMap((file) => {
    const why = tierViolation(file);
    return why ? [`${file} (${tierOf(file)}): ${why}`] : [];
  });
  assert.deepEqual(wrong, []);
});

test("paths declare tiers", () => {
  assert.equal(tierOf("lib/ui/format.test.ts"), "unit");
  assert.equal(tierOf("tests/helpers/generate-ipa.test.ts"), "unit");
  assert.equal(tierOf("lib/db/migrate.db.test.ts"), "db");
  assert.equal(tierOf("tests/upload-install.test.ts"), "http");
  assert.equal(tierOf("tests/e2e-admin.test.ts"), "e2e");
  assert.equal(tierOf("lib/analysis/ipa/analyze-ipa.corpus.test.ts"), "corpus");
  assert.equal(tierOf("tests/analysis.corpus.test.ts"), "corpus");
});

// The check must be able to fail: misfiled copies of real files, placed where their names declare another tier.
const scratch = fs.mkdtempSync(path.join(ROOT, "lib", ".tier-check-"));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** Spelled so that this file's own source does not import the helpers it names. */
const helper = (name: string) => `@/tests/helpers/${name}`;

for (const [name, source, expected] of [
  [
    "unit.test.ts",
    `import { createTestDatabase } from "${helper("test-database")}";\nvoid createTestDatabase;\n`,
    /\.db\.test\.ts/,
  ],
  [
    "env.test.ts",
    `const url = process.env.${["FERRY", "TEST", "DATABASE", "URL"].join("_")};\nvoid url;\n`,
    /\.db\.test\.ts/,
  ],
  ["reads.test.ts", `import { fixturePath } from "${helper("fixtures")}";\nvoid fixturePath;\n`, /corpus/],
  ["server.db.test.ts", `import { startFerry } from "${helper("ferry-server")}";\nvoid startFerry;\n`, /tests\//],
  ["plain.db.test.ts", `export const x = 1;\n`, /unit test/],
  ["plain.corpus.test.ts", `export const x = 1;\n`, /another tier/],
] as const) {
  test(`a misfiled ${name} fails the check`, () => {
    const file = path.join(scratch, name);
    fs.writeFileSync(file, source);
    assert.match(tierViolation(file) ?? "no violation", expected);
  });
}

test("a helper reached indirectly counts", () => {
  fs.writeFileSync(
    path.join(scratch, "indirect.ts"),
    `export { useDomainDatabase } from "${helper("domain-database")}";\n`,
  );
  const file = path.join(scratch, "indirect.test.ts");
  fs.writeFileSync(file, `import { useDomainDatabase } from "./indirect";\nvoid useDomainDatabase;\n`);
  assert.match(tierViolation(file) ?? "no violation", /\.db\.test\.ts/);
});
