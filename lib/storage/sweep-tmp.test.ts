import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { sweepStaleStoredTemps, sweepStaleUploads } from "@/lib/storage/sweep-tmp";

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

test("stale icon temp files (a crash between write and rename) are removed; fresh ones and stored files kept", async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-sweep-stored-"));
  try {
    const iconDir = path.join(dataDir, "icons", "ab".repeat(32));
    const buildDir = path.join(dataDir, "builds", "ab");
    fs.mkdirSync(iconDir, { recursive: true });
    fs.mkdirSync(buildDir, { recursive: true });
    const stale = path.join(iconDir, "512.png.3f1c.tmp");
    const fresh = path.join(iconDir, "57.png.9a2b.tmp");
    const stored = path.join(iconDir, "57.png");
    const ipa = path.join(buildDir, `${"ab".repeat(32)}.ipa`);
    for (const f of [stale, fresh, stored, ipa]) fs.writeFileSync(f, "x");
    const twoHoursAgo = new Date(Date.now() - 2 * 3600 * 1000);
    for (const f of [stale, stored, ipa]) fs.utimesSync(f, twoHoursAgo, twoHoursAgo);
    assert.equal(await sweepStaleStoredTemps(dataDir, 3600 * 1000), 1);
    assert.deepEqual(fs.readdirSync(iconDir).sort(), ["57.png", "57.png.9a2b.tmp"]);
    assert.ok(fs.existsSync(ipa));
    assert.equal(await sweepStaleStoredTemps(path.join(dataDir, "missing"), 1000), 0);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
