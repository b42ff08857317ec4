import fs from "node:fs/promises";
import path from "node:path";

/**
 * Removes partial uploads left by a crash. Only old files go: another instance
 * sharing DATA_DIR may be receiving one right now.
 */
export async function sweepStaleUploads(
  tmpDir: string,
  olderThanMs = 24 * 3600 * 1000,
  now = Date.now(),
): Promise<number> {
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
    const stat = await fs.stat(file).catch(() => null);
    if (stat && now - stat.mtimeMs > olderThanMs) {
      await fs.rm(file, { force: true });
      removed += 1;
    }
  }
  return removed;
}
