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
