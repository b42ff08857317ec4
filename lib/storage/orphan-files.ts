import fs from "node:fs/promises";
import path from "node:path";
import { prisma } from "@/lib/db/client";
import { buildStorageKey, storagePath } from "@/lib/storage/build-files";
import { lockStorageExclusive, tryLockStorageExclusive } from "@/lib/storage/storage-lock";

/**
 * Stored files (builds/<ab>/<sha256>.ipa, icons/<sha256>/) that no build row
 * references. Files are content-addressed, so one file may serve rows in
 * several apps: a file is removed only when no row has its sha256, decided and
 * done under the exclusive storage lock (writers hold it shared while moving a
 * file and inserting its row).
 */

const SHA256 = /^[0-9a-f]{64}$/;
/** Files newer than this are left alone even if unreferenced (belt and braces on top of the lock). */
export const ORPHAN_GRACE_MS = 60 * 60 * 1000;
const TRANSACTION = { maxWait: 60_000, timeout: 120_000 };

function buildFilePath(dataDir: string, sha256: string): string {
  return storagePath(dataDir, buildStorageKey(sha256));
}

function iconDirPath(dataDir: string, sha256: string): string {
  return path.join(dataDir, "icons", sha256);
}

async function removeStored(dataDir: string, sha256: string): Promise<void> {
  await fs.rm(buildFilePath(dataDir, sha256), { force: true });
  await fs.rm(iconDirPath(dataDir, sha256), { recursive: true, force: true });
}

/** After a failed commit: removes the build's files unless a row references them. */
export async function removeBuildFilesUnlessReferenced(dataDir: string, sha256: string): Promise<void> {
  await prisma().$transaction(async (tx) => {
    await lockStorageExclusive(tx);
    if ((await tx.build.count({ where: { sha256 } })) > 0) return;
    await removeStored(dataDir, sha256);
  }, TRANSACTION);
}

/** Newest modification time of a file or of a directory and what it holds directly. */
async function newestMtime(target: string): Promise<number | null> {
  const stat = await fs.stat(target).catch(() => null);
  if (!stat) return null;
  let newest = stat.mtimeMs;
  if (stat.isDirectory()) {
    for (const name of await fs.readdir(target).catch(() => [])) {
      const inner = await fs.stat(path.join(target, name)).catch(() => null);
      if (inner) newest = Math.max(newest, inner.mtimeMs);
    }
  }
  return newest;
}

/** sha256 → newest mtime of its stored files, for every stored build file and icon folder. */
async function storedShas(dataDir: string): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  const note = (sha: string, mtime: number | null) => {
    if (mtime !== null) found.set(sha, Math.max(found.get(sha) ?? 0, mtime));
  };
  const buildsDir = path.join(dataDir, "builds");
  for (const prefix of await fs.readdir(buildsDir).catch(() => [])) {
    for (const name of await fs.readdir(path.join(buildsDir, prefix)).catch(() => [])) {
      const sha = name.replace(/\.ipa$/, "");
      if (SHA256.test(sha) && name.endsWith(".ipa")) note(sha, await newestMtime(path.join(buildsDir, prefix, name)));
    }
  }
  for (const name of await fs.readdir(path.join(dataDir, "icons")).catch(() => [])) {
    if (SHA256.test(name)) note(name, await newestMtime(path.join(dataDir, "icons", name)));
  }
  return found;
}

/**
 * Removes stored files no row references and not modified for `graceMs`.
 * Returns how many builds' files were removed, or null when another instance
 * (or an upload being committed) holds the lock: try again next round.
 */
export async function sweepOrphanBuildFiles(
  dataDir: string,
  options: { graceMs?: number; now?: number } = {},
): Promise<number | null> {
  const graceMs = options.graceMs ?? ORPHAN_GRACE_MS;
  const now = options.now ?? Date.now();
  const old = [...(await storedShas(dataDir))].filter(([, mtime]) => now - mtime > graceMs).map(([sha]) => sha);
  if (old.length === 0) return 0;
  return prisma().$transaction(async (tx) => {
    if (!(await tryLockStorageExclusive(tx))) return null;
    let removed = 0;
    // Bounded batches keep each query small.
    for (let i = 0; i < old.length; i += 500) {
      const batch = old.slice(i, i + 500);
      const rows = await tx.build.findMany({ where: { sha256: { in: batch } }, select: { sha256: true } });
      const referenced = new Set(rows.map((row) => row.sha256));
      for (const sha of batch) {
        if (referenced.has(sha)) continue;
        await removeStored(dataDir, sha);
        removed += 1;
      }
    }
    return removed;
  }, TRANSACTION);
}
