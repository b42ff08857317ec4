/**
 * The local backend's files: unique temp names under concurrency, the modes and
 * group that let a web server in Ferry's group send them (DOWNLOAD_OFFLOAD=nginx),
 * the repair of files older versions stored 0600, and no temp file left when a
 * real (tmpfs) disk is full.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { buildStorageKey } from "@/lib/storage/build-files";
import { iconStorageKey } from "@/lib/storage/icon-files";
import { LocalStorage, repairStoredModes } from "@/lib/storage/local-storage";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-local-storage-"));
after(() => fs.rmSync(work, { recursive: true, force: true }));
const SHA = "ab".repeat(32);
const mode = (file: string) => fs.statSync(file).mode & 0o7777;
const tmpFilesUnder = (dir: string) =>
  fs.existsSync(dir)
    ? fs
        .readdirSync(dir, { recursive: true })
        .map(String)
        .filter((n) => n.endsWith(".tmp"))
    : [];

test("many writes of the same key at once all succeed (temp names never collide) and leave no temp file", async () => {
  const storage = new LocalStorage(fs.mkdtempSync(path.join(work, "data-")));
  const key = iconStorageKey(SHA, 57);
  for (let round = 0; round < 5; round++) {
    const results = await Promise.allSettled(
      Array.from({ length: 64 }, () => storage.putBuffer(key, Buffer.from("png bytes"))),
    );
    const failed = results
      .filter((r) => r.status === "rejected")
      .map((r) => String((r as PromiseRejectedResult).reason));
    assert.deepEqual(failed, [], `round ${round}`);
  }
  assert.equal(fs.readFileSync(storage.pathOf(key), "utf8"), "png bytes");
  assert.deepEqual(tmpFilesUnder(storage.dataDir), []);
});

test("stored files are 0640 and new folders 0750 even under a 077 umask; a setgid folder's group is adopted", async () => {
  const dataDir = fs.mkdtempSync(path.join(work, "data-"));
  const tmpDir = fs.mkdtempSync(path.join(work, "tmp-"));
  const storage = new LocalStorage(dataDir);
  const previous = process.umask(0o077);
  try {
    const received = path.join(tmpDir, "upload.part");
    fs.writeFileSync(received, "ipa bytes", { mode: 0o600 });
    await storage.putFile(buildStorageKey(SHA), received);
    await storage.putBuffer(iconStorageKey(SHA, 512), Buffer.from("png"));
  } finally {
    process.umask(previous);
  }
  assert.equal(mode(storage.pathOf(buildStorageKey(SHA))), 0o640);
  assert.equal(mode(storage.pathOf(iconStorageKey(SHA, 512))), 0o640);
  for (const dir of ["builds", `builds/${SHA.slice(0, 2)}`, "icons", `icons/${SHA}`]) {
    assert.equal(mode(path.join(dataDir, dir)), 0o750, dir);
  }

  if (process.getuid?.() !== 0) return;
  // An admin's `chgrp www-data DATA_DIR && chmod g+s DATA_DIR` (here: group 65534, nogroup).
  const shared = fs.mkdtempSync(path.join(work, "shared-"));
  fs.chownSync(shared, 0, 65534);
  fs.chmodSync(shared, 0o2750);
  const sharedStorage = new LocalStorage(shared);
  const received = path.join(tmpDir, "other.part");
  fs.writeFileSync(received, "ipa bytes", { mode: 0o600 });
  assert.notEqual(fs.statSync(received).gid, 65534);
  await sharedStorage.putFile(buildStorageKey(SHA), received);
  await sharedStorage.putBuffer(iconStorageKey(SHA, 57), Buffer.from("png"));
  for (const key of [buildStorageKey(SHA), iconStorageKey(SHA, 57)]) {
    assert.equal(fs.statSync(sharedStorage.pathOf(key)).gid, 65534, key);
  }
  assert.equal(mode(path.join(shared, "builds")), 0o2750, "new folders keep the inherited setgid bit");
});

test("files stored 0600 by older versions become group-readable at start; nothing else changes", async () => {
  const dataDir = fs.mkdtempSync(path.join(work, "data-"));
  const storage = new LocalStorage(dataDir);
  const ipa = storage.pathOf(buildStorageKey(SHA));
  const icon = storage.pathOf(iconStorageKey(SHA, 57));
  for (const file of [ipa, icon]) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, "x", { mode: 0o600 });
  }
  for (const dir of ["builds", "icons", path.dirname(ipa), path.dirname(icon)])
    fs.chmodSync(path.resolve(dataDir, dir), 0o700);
  const secret = path.join(dataDir, "auth-secret");
  fs.writeFileSync(secret, "s", { mode: 0o600 });

  assert.equal(await repairStoredModes(dataDir), 6);
  assert.equal(mode(ipa), 0o640);
  assert.equal(mode(icon), 0o640);
  assert.equal(mode(path.join(dataDir, "builds")), 0o750);
  assert.equal(mode(path.dirname(icon)), 0o750);
  assert.equal(mode(secret), 0o600, "secrets stay private");
  assert.equal(await repairStoredModes(dataDir), 0, "a second start changes nothing");
});

test("a full disk (tmpfs) while writing an icon leaves no temp file behind", async (t) => {
  const mountPoint = fs.mkdtempSync(path.join(work, "tmpfs-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", mountPoint], { stdio: "pipe" });
  } catch (error) {
    t.skip(`cannot mount a tmpfs to fill the disk (${(error as Error).message.split("\n")[0]})`);
    return;
  }
  try {
    const storage = new LocalStorage(mountPoint);
    await assert.rejects(
      storage.putBuffer(iconStorageKey(SHA, 512), Buffer.alloc(1024 * 1024, 1)),
      (error: NodeJS.ErrnoException) => error.code === "ENOSPC",
    );
    assert.deepEqual(tmpFilesUnder(mountPoint), []);
    // The space is free again: the next write fits.
    await storage.putBuffer(iconStorageKey(SHA, 57), Buffer.alloc(100 * 1024, 1));
  } finally {
    execFileSync("umount", [mountPoint]);
  }
});
