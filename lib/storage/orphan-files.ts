import { prisma } from "@/lib/db/client";
import { buildStorageKey, sha256OfStorageKey } from "@/lib/storage/build-files";
import { ICON_SIZES, iconStorageKey } from "@/lib/storage/icon-files";
import type { BuildStorage } from "@/lib/storage/storage";
import { lockStorageExclusive, tryLockStorageExclusive } from "@/lib/storage/storage-lock";

/**
 * Stored objects (builds/<ab>/<sha256>.ipa, icons/<sha256>/<size>.png), on disk
 * or in the bucket, that no build row references. Objects are content-addressed,
 * so one may serve rows in several apps: it is removed only when no row has its
 * sha256, decided and done under the exclusive storage lock (writers hold it
 * shared while storing an object and inserting its row). The lock lives in the
 * shared PostgreSQL, so this is safe with any number of instances.
 */

/** Objects newer than this are left alone even if unreferenced (belt and braces on top of the lock). */
export const ORPHAN_GRACE_MS = 60 * 60 * 1000;
const TRANSACTION = { maxWait: 60_000, timeout: 120_000 };

async function removeStored(storage: BuildStorage, sha256: string): Promise<void> {
  await storage.delete(buildStorageKey(sha256));
  for (const size of ICON_SIZES) await storage.delete(iconStorageKey(sha256, size));
}

/** After a failed commit: removes the build's objects unless a row references them. */
export async function removeBuildFilesUnlessReferenced(storage: BuildStorage, sha256: string): Promise<void> {
  await prisma().$transaction(async (tx) => {
    await lockStorageExclusive(tx);
    if ((await tx.build.count({ where: { sha256 } })) > 0) return;
    await removeStored(storage, sha256);
  }, TRANSACTION);
}

/** sha256 → newest modification time of its stored objects (the .ipa and its icons). */
async function storedShas(storage: BuildStorage): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for await (const entry of storage.list()) {
    const sha = sha256OfStorageKey(entry.key);
    if (sha) found.set(sha, Math.max(found.get(sha) ?? 0, entry.lastModified.getTime()));
  }
  return found;
}

/**
 * Removes stored objects no row references and not modified for `graceMs`.
 * Returns how many builds' objects were removed, or null when another instance
 * (or an upload being committed) holds the lock: try again next round.
 */
export async function sweepOrphanBuildFiles(
  storage: BuildStorage,
  options: { graceMs?: number; now?: number } = {},
): Promise<number | null> {
  const graceMs = options.graceMs ?? ORPHAN_GRACE_MS;
  const now = options.now ?? Date.now();
  const old = [...(await storedShas(storage))].filter(([, mtime]) => now - mtime > graceMs).map(([sha]) => sha);
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
        await removeStored(storage, sha);
        removed += 1;
      }
    }
    return removed;
  }, TRANSACTION);
}
