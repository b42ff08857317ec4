/** Moving the embedded default's files into a bucket: same keys, same bytes, idempotent, local files untouched. */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { buildStorageKey } from "@/lib/storage/build-files";
import { iconStorageKey } from "@/lib/storage/icon-files";
import { LocalStorage } from "@/lib/storage/local-storage";
import { migrateLocalToS3 } from "@/lib/storage/migrate-to-s3";
import { S3Storage } from "@/lib/storage/s3-storage";
import { type S3TestServer, startS3Server } from "@/tests/helpers/s3-server";

let s3: S3TestServer;
let dataDir: string;

before(async () => {
  s3 = await startS3Server();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-migrate-"));
});

after(async () => {
  await s3?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test("local builds and icons are copied to the bucket under the same keys, once", async () => {
  const local = new LocalStorage(dataDir);
  const bucket = new S3Storage(s3.config);
  const sha = "d".repeat(64);
  const files: Record<string, string> = {
    [buildStorageKey(sha)]: "ipa bytes",
    [iconStorageKey(sha, 57)]: "small png",
    [iconStorageKey(sha, 512)]: "large png",
  };
  for (const [key, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(local.pathOf(key)), { recursive: true });
    fs.writeFileSync(local.pathOf(key), content);
  }
  fs.mkdirSync(path.join(dataDir, "tmp"), { recursive: true });
  fs.writeFileSync(path.join(dataDir, "tmp", "upload-x.part"), "partial");
  assert.deepEqual(await migrateLocalToS3(local, bucket), { copied: 3, skipped: 0 });
  for (const [key, content] of Object.entries(files)) {
    const chunks: Buffer[] = [];
    for await (const chunk of await bucket.read(key)) chunks.push(Buffer.from(chunk as Uint8Array));
    assert.equal(Buffer.concat(chunks).toString(), content, key);
    assert.ok(fs.existsSync(local.pathOf(key)), "the local copy stays");
  }
  const listed: string[] = [];
  for await (const entry of bucket.list()) listed.push(entry.key);
  assert.deepEqual(listed.sort(), Object.keys(files).sort(), "temporary uploads are not copied");
  assert.deepEqual(await migrateLocalToS3(local, bucket), { copied: 0, skipped: 3 });
});
