/**
 * One behaviour suite, run against each storage backend: the local filesystem
 * and a real S3-protocol server (s3rver) through the AWS SDK. Plus what only S3
 * has: multipart upload of a large build, presigned downloads with Range and
 * HEAD, and presigned signatures that a tampered URL no longer matches (checked
 * by re-signing with the SDK's signer: s3rver accepts any signature).
 */
import assert from "node:assert/strict";
import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { after, before, describe, test } from "node:test";
import { S3RequestPresigner } from "@aws-sdk/s3-request-presigner";
import { applyMigrations } from "@/lib/db/migrate";
import { buildStorageKey } from "@/lib/storage/build-files";
import { iconStorageKey } from "@/lib/storage/icon-files";
import { LocalStorage } from "@/lib/storage/local-storage";
import { S3Storage } from "@/lib/storage/s3-storage";
import type { BuildStorage } from "@/lib/storage/storage";
import { generateIpa } from "@/tests/helpers/generate-ipa";
import { S3_TEST_CREDENTIALS, type S3TestServer, startS3Server } from "@/tests/helpers/s3-server";
import { createTestDatabase, queryDatabase } from "@/tests/helpers/test-database";

const HOUR = 3600 * 1000;
const sha = (c: string) => c.repeat(64);

let s3: S3TestServer;
let work: string;
let db: { url: string; drop: () => Promise<void> };
let orphans: typeof import("@/lib/storage/orphan-files");
let disconnect: () => Promise<void>;
let big: { path: string; sha256: string; size: number };

before(async () => {
  s3 = await startS3Server();
  work = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-backends-"));
  db = await createTestDatabase();
  await applyMigrations(db.url);
  process.env.DATABASE_URL = db.url;
  orphans = await import("@/lib/storage/orphan-files");
  disconnect = (await import("@/lib/db/client")).disconnectPrisma;
  const bigPath = path.join(work, "big.ipa");
  const generated = await generateIpa(bigPath, {
    bundleId: "com.example.big",
    version: "1.0",
    buildNumber: "1",
    name: "Big",
    padBytes: 30 * 1024 * 1024,
  });
  big = { path: bigPath, ...generated };
});

after(async () => {
  await disconnect?.();
  await db?.drop();
  await s3?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

async function sha256OfStream(stream: Readable): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of stream) hash.update(chunk as Uint8Array);
  return hash.digest("hex");
}

async function keys(storage: BuildStorage): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of storage.list()) found.push(entry.key);
  return found.sort();
}

/** A temp file holding `data`, as an upload would leave it. */
function tempFile(data: Buffer | string): string {
  const file = path.join(work, `upload-${Math.random().toString(36).slice(2)}.part`);
  fs.writeFileSync(file, data);
  return file;
}

const backends: { name: string; create: () => BuildStorage }[] = [
  { name: "local", create: () => new LocalStorage(fs.mkdtempSync(path.join(work, "data-"))) },
  { name: "s3", create: () => new S3Storage(s3.config) },
];

for (const backend of backends) {
  describe(`${backend.name} storage`, () => {
    let storage: BuildStorage;
    before(() => {
      storage = backend.create();
    });

    test("put, stat, ranged read, list and delete", async () => {
      const key = buildStorageKey(sha("1"));
      const data = Buffer.from("0123456789abcdefghij");
      assert.equal(await storage.stat(key), null);
      await storage.putFile(key, tempFile(data), data.length);
      await storage.putBuffer(iconStorageKey(sha("1"), 57), Buffer.from("png"), "image/png");
      const stat = await storage.stat(key);
      assert.equal(stat?.size, data.length);
      assert.ok(Math.abs((stat?.lastModified.getTime() ?? 0) - Date.now()) < 10 * 60 * 1000);
      assert.equal((await readAll(await storage.read(key))).toString(), data.toString());
      assert.equal((await readAll(await storage.read(key, { start: 5, end: 9 }))).toString(), "56789");
      assert.deepEqual(await keys(storage), [key, iconStorageKey(sha("1"), 57)].sort());
      await storage.delete(key);
      await storage.delete(key); // a missing object is not an error
      assert.equal(await storage.stat(key), null);
      await assert.rejects(storage.read(key));
      assert.deepEqual(await keys(storage), [iconStorageKey(sha("1"), 57)]);
      await storage.delete(iconStorageKey(sha("1"), 57));
    });

    test("a large build is stored and read back byte for byte", async () => {
      const key = buildStorageKey(big.sha256);
      // A copy: the local backend moves the file it is given.
      const copy = path.join(work, `big-${backend.name}.part`);
      fs.copyFileSync(big.path, copy);
      await storage.putFile(key, copy, big.size);
      assert.equal((await storage.stat(key))?.size, big.size);
      assert.equal(await sha256OfStream(await storage.read(key)), big.sha256);
      const tail = await readAll(await storage.read(key, { start: big.size - 1000, end: big.size - 1 }));
      const expected = Buffer.alloc(1000);
      const fd = fs.openSync(big.path, "r");
      fs.readSync(fd, expected, 0, 1000, big.size - 1000);
      fs.closeSync(fd);
      assert.deepEqual(tail, expected);
      await storage.delete(key);
      assert.equal(await storage.stat(key), null);
    });

    test("the orphan sweep removes only unreferenced objects older than the grace period", async () => {
      const kept = sha("a");
      const gone = sha("b");
      await queryDatabase(
        db.url,
        `WITH app AS (INSERT INTO apps (id, bundle_id, name, updated_at) VALUES (gen_random_uuid(), $1, 'App', now()) RETURNING id)
         INSERT INTO builds (id, app_id, bundle_id, version, build_number, name, size_bytes, sha256, storage_key)
         SELECT gen_random_uuid(), app.id, $1, '1', '1', 'App', 1, $2, $3 FROM app`,
        [`com.example.${backend.name}`, kept, buildStorageKey(kept)],
      );
      for (const hash of [kept, gone]) {
        await storage.putFile(buildStorageKey(hash), tempFile(hash), hash.length);
        await storage.putBuffer(iconStorageKey(hash, 57), Buffer.from("png"), "image/png");
        await storage.putBuffer(iconStorageKey(hash, 512), Buffer.from("png"), "image/png");
      }
      // Within the grace period nothing goes; "later", only the unreferenced build's objects.
      assert.equal(await orphans.sweepOrphanBuildFiles(storage, { graceMs: HOUR }), 0);
      assert.equal(await orphans.sweepOrphanBuildFiles(storage, { graceMs: HOUR, now: Date.now() + 2 * HOUR }), 1);
      assert.deepEqual(
        await keys(storage),
        [buildStorageKey(kept), iconStorageKey(kept, 512), iconStorageKey(kept, 57)].sort(),
      );
      // While a writer holds the shared lock, the sweep backs off.
      const pg = (await import("pg")).default;
      const writer = new pg.Client({ connectionString: db.url });
      await writer.connect();
      try {
        await writer.query("BEGIN");
        await writer.query("SELECT pg_advisory_xact_lock_shared(hashtext('ferry:build-storage'))");
        await storage.putFile(buildStorageKey(gone), tempFile(gone), gone.length);
        assert.equal(await orphans.sweepOrphanBuildFiles(storage, { graceMs: HOUR, now: Date.now() + 2 * HOUR }), null);
        assert.ok(await storage.stat(buildStorageKey(gone)));
        await writer.query("COMMIT");
      } finally {
        await writer.end();
      }
      await orphans.removeBuildFilesUnlessReferenced(storage, kept);
      await orphans.removeBuildFilesUnlessReferenced(storage, gone);
      assert.deepEqual(
        await keys(storage),
        [buildStorageKey(kept), iconStorageKey(kept, 512), iconStorageKey(kept, 57)].sort(),
      );
    });

    test("presigned URLs: none on local disk; on S3 a plain GET with Range and HEAD works", async () => {
      const key = buildStorageKey(sha("3"));
      const data = Buffer.from("presigned bytes for ranges");
      await storage.putFile(key, tempFile(data), data.length);
      const url = await storage.presignedGetUrl(key, { expiresInSeconds: 600, fileName: "App-1-1.ipa" });
      if (backend.name === "local") {
        assert.equal(url, null);
      } else {
        assert.ok(url);
        const ranged = await fetch(url, { headers: { Range: "bytes=10-14" } });
        assert.equal(ranged.status, 206);
        assert.equal(ranged.headers.get("content-range"), `bytes 10-14/${data.length}`);
        assert.equal(await ranged.text(), "bytes");
        const head = await fetch(url, { method: "HEAD" });
        assert.equal(head.status, 200);
        assert.equal(head.headers.get("content-length"), String(data.length));
        const whole = await fetch(url);
        assert.equal(await whole.text(), data.toString());
      }
      await storage.delete(key);
    });
  });
}

/** The signer's hash: SHA-256, or HMAC-SHA256 when given a key. */
class NodeSha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash("sha256") : createHmac("sha256", toBytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

function toBytes(data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof data === "string") return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Recomputes a presigned URL's signature with the SDK's signer, from the URL's own parameters. */
async function signatureMatches(url: string): Promise<boolean> {
  const parsed = new URL(url);
  const given = parsed.searchParams.get("X-Amz-Signature");
  const amzDate = parsed.searchParams.get("X-Amz-Date") ?? "";
  const expires = Number(parsed.searchParams.get("X-Amz-Expires"));
  const query: Record<string, string> = {};
  for (const [name, value] of parsed.searchParams) {
    if (!name.startsWith("X-Amz-")) query[name] = value;
  }
  const signer = new S3RequestPresigner({ credentials: S3_TEST_CREDENTIALS, region: "us-east-1", sha256: NodeSha256 });
  const signingDate = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  const request = {
    method: "GET",
    protocol: parsed.protocol,
    hostname: parsed.hostname,
    port: Number(parsed.port),
    path: decodeURIComponent(parsed.pathname),
    query,
    headers: { host: parsed.host },
  };
  const resigned = await signer.presign(request, { signingDate, expiresIn: expires });
  return resigned.query?.["X-Amz-Signature"] === given;
}

test("S3 presigned URLs: genuine ones verify, tampered key, expiry or disposition do not", async () => {
  const storage = new S3Storage(s3.config);
  const url = await storage.presignedGetUrl(buildStorageKey(sha("4")), {
    expiresInSeconds: 3600,
    contentType: "application/octet-stream",
    fileName: "App-1-1.ipa",
  });
  assert.ok(await signatureMatches(url), "the untouched URL verifies");
  const otherKey = url.replace(sha("4"), sha("5"));
  const longer = url.replace("X-Amz-Expires=3600", "X-Amz-Expires=604800");
  const renamed = url.replace("App-1-1.ipa", "Other.ipa");
  for (const tampered of [otherKey, longer, renamed]) {
    assert.notEqual(tampered, url);
    assert.equal(await signatureMatches(tampered), false, tampered);
  }
  // Longer than SigV4 allows is clamped to 7 days.
  const capped = await storage.presignedGetUrl(buildStorageKey(sha("4")), { expiresInSeconds: 30 * 86_400 });
  assert.equal(new URL(capped).searchParams.get("X-Amz-Expires"), "604800");
});
