import path from "node:path";
import type { BuildStorage } from "@/lib/storage/storage";

/**
 * .ipa files are content-addressed: key `builds/ab/<sha256>.ipa` (a path under
 * DATA_DIR, or an object key in the bucket). Identical uploads share one file,
 * and a key never changes meaning.
 */
export function buildStorageKey(sha256: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error("storage keys are made from a SHA-256 hex digest");
  return path.posix.join("builds", sha256.slice(0, 2), `${sha256}.ipa`);
}

/** The SHA-256 a stored key belongs to (`builds/ab/<sha>.ipa` or `icons/<sha>/<size>.png`), or null for anything else. */
export function sha256OfStorageKey(key: string): string | null {
  const match = /^builds\/[0-9a-f]{2}\/([0-9a-f]{64})\.ipa$/.exec(key) ?? /^icons\/([0-9a-f]{64})\/\d+\.png$/.exec(key);
  return match?.[1] ?? null;
}

export function uploadTmpDir(dataDir: string): string {
  return path.join(dataDir, "tmp");
}

/** Stores a received temp file as the build's .ipa (moved on disk, uploaded to a bucket); returns its key. */
export async function commitBuildFile(
  storage: BuildStorage,
  tmpPath: string,
  sha256: string,
  size: number,
): Promise<string> {
  const key = buildStorageKey(sha256);
  await storage.putFile(key, tmpPath, size);
  return key;
}
