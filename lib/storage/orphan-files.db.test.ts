/**
 * The periodic clean-up against a real database and real files: stale partial
 * uploads and unreferenced stored files go after their grace period;
 * referenced files, fresh files and this process's own uploads stay; a failed
 * commit's cleanup spares bytes another row still references.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { applyMigrations } from "@/lib/db/migrate";
import { buildStorageKey } from "@/lib/storage/build-files";
import { LocalStorage } from "@/lib/storage/local-storage";
import { staleUploadAgeMs, sweepStaleUploads } from "@/lib/storage/sweep-tmp";
import { markUploadDone, markUploadInProgress } from "@/lib/storage/uploads-in-progress";
import { createTestDatabase, queryDatabase } from "@/tests/helpers/test-database";

let db: { url: string; drop: () => Promise<void> };
let dataDir: string;
// Loaded after DATABASE_URL is set: the Prisma client reads it once.
let orphans: typeof import("@/lib/storage/orphan-files");
let disconnect: () => Promise<void>;

const sha = (c: string) => c.repeat(64);
const REFERENCED = sha("a");
const ORPHAN = sha("b");
const FRESH_ORPHAN = sha("c");
const HOUR = 3600 * 1000;

function storeFiles(hash: string, ageMs: number): string[] {
  const ipa = path.join(dataDir, buildStorageKey(hash));
  const icons = path.join(dataDir, "icons", hash);
  fs.mkdirSync(path.dirname(ipa), { recursive: true });
  fs.mkdirSync(icons, { recursive: true });
  const files = [ipa, path.join(icons, "57.png"), path.join(icons, "512.png")];
  const when = new Date(Date.now() - ageMs);
  for (const file of files) {
    fs.writeFileSync(file, hash);
    fs.utimesSync(file, when, when);
  }
  fs.utimesSync(icons, when, when);
  return files;
}

async function insertBuild(hash: string, bundleId: string): Promise<void> {
  const [app] = await queryDatabase<{ id: string }>(
    db.url,
    "INSERT INTO apps (id, bundle_id, name, updated_at) VALUES (gen_random_uuid(), $1, 'App', now()) RETURNING id",
    [bundleId],
  );
  await queryDatabase(
    db.url,
    `INSERT INTO builds (id, app_id, bundle_id, version, build_number, name, size_bytes, sha256, storage_key)
     VALUES (gen_random_uuid(), $1, $2, '1', '1', 'App', 1, $3, $4)`,
    [app!.id, bundleId, hash, buildStorageKey(hash)],
  );
}

before(async () => {
  db = await createTestDatabase();
  await applyMigrations(db.url);
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-orphans-"));
  process.env.DATABASE_URL = db.url;
  orphans = await import("@/lib/storage/orphan-files");
  disconnect = (await import("@/lib/db/client")).disconnectPrisma;
});

after(async () => {
  await disconnect?.();
  await db?.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test("unreferenced stored files go after the grace period, referenced and fresh ones stay", async () => {
  await insertBuild(REFERENCED, "com.example.kept");
  const kept = storeFiles(REFERENCED, 3 * HOUR);
  const gone = storeFiles(ORPHAN, 3 * HOUR);
  const fresh = storeFiles(FRESH_ORPHAN, 60 * 1000);

  assert.equal(await orphans.sweepOrphanBuildFiles(new LocalStorage(dataDir), { graceMs: HOUR }), 1);
  for (const file of [...kept, ...fresh]) assert.ok(fs.existsSync(file), `kept ${file}`);
  for (const file of gone) assert.equal(fs.existsSync(file), false, `removed ${file}`);
  assert.equal(fs.existsSync(path.join(dataDir, "icons", ORPHAN)), false);
});

test("the sweep waits while an upload is committing (shared lock held)", async () => {
  const gone = storeFiles(ORPHAN, 3 * HOUR);
  const pg = (await import("pg")).default;
  const writer = new pg.Client({ connectionString: db.url });
  await writer.connect();
  try {
    await writer.query("BEGIN");
    await writer.query("SELECT pg_advisory_xact_lock_shared(hashtext('ferry:build-storage'))");
    assert.equal(await orphans.sweepOrphanBuildFiles(new LocalStorage(dataDir), { graceMs: HOUR }), null);
    assert.ok(fs.existsSync(gone[0]!), "nothing removed while a writer holds the lock");
    await writer.query("COMMIT");
  } finally {
    await writer.end();
  }
  assert.equal(await orphans.sweepOrphanBuildFiles(new LocalStorage(dataDir), { graceMs: HOUR }), 1);
});

test("after a failed commit, files are removed unless another row references the same bytes", async () => {
  const shared = storeFiles(REFERENCED, 0);
  await orphans.removeBuildFilesUnlessReferenced(new LocalStorage(dataDir), REFERENCED);
  for (const file of shared) assert.ok(fs.existsSync(file), `kept ${file}`);
  const own = storeFiles(ORPHAN, 0);
  await orphans.removeBuildFilesUnlessReferenced(new LocalStorage(dataDir), ORPHAN);
  for (const file of own) assert.equal(fs.existsSync(file), false, `removed ${file}`);
});

test("stale partial uploads go; fresh ones and this process's own stay", async () => {
  const tmp = path.join(dataDir, "tmp");
  fs.mkdirSync(tmp, { recursive: true });
  const idleSeconds = 60;
  const longAgo = new Date(Date.now() - staleUploadAgeMs(idleSeconds) - 60_000);
  const stale = path.join(tmp, "upload-stale.part");
  const ours = path.join(tmp, "upload-ours.part");
  const fresh = path.join(tmp, "upload-fresh.part");
  for (const file of [stale, ours, fresh]) fs.writeFileSync(file, "x");
  for (const file of [stale, ours]) fs.utimesSync(file, longAgo, longAgo);
  markUploadInProgress(ours);
  try {
    assert.equal(await sweepStaleUploads(tmp, staleUploadAgeMs(idleSeconds)), 1);
    assert.deepEqual(fs.readdirSync(tmp).sort(), ["upload-fresh.part", "upload-ours.part"]);
  } finally {
    markUploadDone(ours);
  }
  // Well within a day, unlike the old boot-only sweep: minutes past the idle timeout suffice.
  assert.ok(staleUploadAgeMs(idleSeconds) < 3600 * 1000);
});
