/** The corpus on disk is exactly what tests/corpus/manifest.json pins (what `npm run fixtures` fetches). */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fixturePath, fixturesDir } from "../helpers/fixtures";

test("every corpus file is in the manifest with its SHA-256, and every manifest file is there", () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, "manifest.json"), "utf8")) as {
    files: { path: string; sha256: string }[];
  };
  const onDisk = (fs.readdirSync(fixturesDir(), { recursive: true }) as string[])
    .filter((f) => fs.statSync(fixturePath(f)).isFile())
    .sort();
  assert.deepEqual(onDisk, manifest.files.map((f) => f.path).sort());
  for (const file of manifest.files) {
    const digest = createHash("sha256")
      .update(fs.readFileSync(fixturePath(file.path)))
      .digest("hex");
    assert.equal(digest, file.sha256, file.path);
  }
});
