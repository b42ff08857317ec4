import fs from "node:fs/promises";
import path from "node:path";
import { isUploadInProgress } from "@/lib/storage/uploads-in-progress";

/** On top of the idle timeout: an upload is received, then analysed and committed before its .part goes. */
export const STALE_UPLOAD_MARGIN_MS = 10 * 60 * 1000;

/** How old an untouched .part must be before it is removed, for a given upload idle timeout. */
export function staleUploadAgeMs(idleTimeoutSeconds: number): number {
  return idleTimeoutSeconds * 1000 + STALE_UPLOAD_MARGIN_MS;
}

/**
 * Removes partial uploads that are no longer in progress: left by a crash or
 * a killed process. Uploads still receiving bytes are written to at least once
 * per idle timeout (idle ones are closed), so a .part untouched for longer than
 * `olderThanMs` belongs to no live upload, in this or another instance sharing
 * DATA_DIR; this process's own uploads are never removed.
 */
export async function sweepStaleUploads(tmpDir: string, olderThanMs: number, now = Date.now()): Promise<number> {
  let names: string[];
  try {
    names = await fs.readdir(tmpDir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    if (!name.endsWith(".part")) continue;
    const file = path.join(tmpDir, name);
    if (isUploadInProgress(file)) continue;
    const stat = await fs.stat(file).catch(() => null);
    if (stat && now - stat.mtimeMs > olderThanMs) {
      await fs.rm(file, { force: true });
      removed += 1;
    }
  }
  return removed;
}

/**
 * Removes temporary files (`*.tmp`, written beside their target and renamed
 * into place: icons) left under builds/ and icons/ by a process that died
 * between the write and the rename. A write takes milliseconds, so one older
 * than `olderThanMs` belongs to nobody, in this or another instance.
 */
export async function sweepStaleStoredTemps(dataDir: string, olderThanMs: number, now = Date.now()): Promise<number> {
  let removed = 0;
  const visit = async (dir: string, depth: number): Promise<void> => {
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      // builds/<ab>/ and icons/<sha256>/: nothing deeper is Ferry's.
      if (entry.isDirectory() && depth < 2) {
        await visit(full, depth + 1);
      } else if (entry.isFile() && entry.name.endsWith(".tmp")) {
        const stat = await fs.stat(full).catch(() => null);
        if (stat && now - stat.mtimeMs > olderThanMs) {
          await fs.rm(full, { force: true });
          removed += 1;
        }
      }
    }
  };
  for (const top of ["builds", "icons"]) await visit(path.join(dataDir, top), 1);
  return removed;
}
