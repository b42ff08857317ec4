import fs from "node:fs/promises";
import path from "node:path";

/**
 * .ipa files are content-addressed: `builds/ab/<sha256>.ipa` under DATA_DIR.
 * Identical uploads share one file, and a key never changes meaning.
 */
export function buildStorageKey(sha256: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error("storage keys are made from a SHA-256 hex digest");
  return path.posix.join("builds", sha256.slice(0, 2), `${sha256}.ipa`);
}

export function storagePath(dataDir: string, storageKey: string): string {
  const resolved = path.resolve(dataDir, storageKey);
  if (!resolved.startsWith(path.resolve(dataDir) + path.sep)) throw new Error("storage key escapes DATA_DIR");
  return resolved;
}

export function uploadTmpDir(dataDir: string): string {
  return path.join(dataDir, "tmp");
}

/** Moves a received temp file to its permanent place (atomic rename, then the directory is fsynced). */
export async function commitBuildFile(dataDir: string, tmpPath: string, sha256: string): Promise<string> {
  const key = buildStorageKey(sha256);
  const target = storagePath(dataDir, key);
  await fs.mkdir(path.dirname(target), { recursive: true });
  try {
    await fs.access(target);
    // Same content is already stored. A fresh mtime keeps the orphan sweep's grace period.
    const now = new Date();
    await fs.utimes(target, now, now);
    await fs.rm(tmpPath, { force: true });
  } catch {
    await fs.rename(tmpPath, target);
    const dir = await fs.open(path.dirname(target), "r");
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
  return key;
}
