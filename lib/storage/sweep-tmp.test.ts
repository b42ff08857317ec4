import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { sweepStaleUploads } from "@/lib/storage/sweep-tmp";

test("old partial uploads are removed, fresh ones and other files kept", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-sweep-"));
  try {
    const old = path.join(dir, "upload-old.part");
    const fresh = path.join(dir, "upload-fresh.part");
    const other = path.join(dir, "keep.txt");
    for (const f of [old, fresh, other]) fs.writeFileSync(f, "x");
    const twoDaysAgo = new Date(Date.now() - 48 * 3600 * 1000);
    fs.utimesSync(old, twoDaysAgo, twoDaysAgo);
    fs.utimesSync(other, twoDaysAgo, twoDaysAgo);
    assert.equal(await sweepStaleUploads(dir, 24 * 3600 * 1000), 1);
    assert.deepEqual(fs.readdirSync(dir).sort(), ["keep.txt", "upload-fresh.part"]);
    assert.equal(await sweepStaleUploads(path.join(dir, "missing"), 1000), 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
