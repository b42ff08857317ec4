import fs from "node:fs/promises";
import type { LocalStorage } from "@/lib/storage/local-storage";
import type { S3Storage } from "@/lib/storage/s3-storage";

/**
 * Copies every stored build and icon from DATA_DIR into the bucket under the
 * same keys, so the database's storage keys stay valid. Idempotent: objects
 * already in the bucket with the same size are skipped; local files are left
 * in place (remove them once Ferry runs with STORAGE=s3).
 */
export async function migrateLocalToS3(
  from: LocalStorage,
  to: S3Storage,
  log: (line: string) => void = () => {},
): Promise<{ copied: number; skipped: number }> {
  let copied = 0;
  let skipped = 0;
  for await (const entry of from.list()) {
    const existing = await to.stat(entry.key);
    if (existing && existing.size === entry.size) {
      skipped += 1;
      continue;
    }
    if (entry.key.endsWith(".png")) {
      // Icons are small; stored with their content type.
      await to.putBuffer(entry.key, await fs.readFile(from.pathOf(entry.key)), "image/png");
    } else {
      await to.putFile(entry.key, from.pathOf(entry.key), entry.size);
    }
    copied += 1;
    log(`copied ${entry.key}`);
  }
  return { copied, skipped };
}
