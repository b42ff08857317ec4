import fs from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import type { BuildStorage, StoredEntry, StoredObject } from "@/lib/storage/storage";

// Larger than the 64 KiB default: fewer syscalls for multi-GB files, still bounded memory.
const READ_CHUNK_BYTES = 256 * 1024;

/** Stored files under DATA_DIR, keys as relative paths (`builds/ab/<sha>.ipa`). */
export class LocalStorage implements BuildStorage {
  readonly kind = "local" as const;

  constructor(readonly dataDir: string) {}

  localPath(key: string): string {
    return this.pathOf(key);
  }

  /** The absolute path of a key; refuses keys that would leave DATA_DIR. */
  pathOf(key: string): string {
    const resolved = path.resolve(this.dataDir, key);
    if (!resolved.startsWith(path.resolve(this.dataDir) + path.sep)) throw new Error("storage key escapes DATA_DIR");
    return resolved;
  }

  /** Atomic rename, then the directory is fsynced. Same content already stored: its mtime is refreshed (orphan grace period). */
  async putFile(key: string, filePath: string): Promise<void> {
    const target = this.pathOf(key);
    await fs.mkdir(path.dirname(target), { recursive: true });
    if (await this.stat(key)) {
      const now = new Date();
      await fs.utimes(target, now, now);
      return;
    }
    await fs.rename(filePath, target);
    await syncDir(path.dirname(target));
  }

  async putBuffer(key: string, data: Buffer): Promise<void> {
    const target = this.pathOf(key);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.${process.pid}.${Date.now()}.tmp`;
    await fs.writeFile(tmp, data, { mode: 0o644 });
    await fs.rename(tmp, target);
  }

  async stat(key: string): Promise<StoredObject | null> {
    const stat = await fs.stat(this.pathOf(key)).catch(() => null);
    return stat?.isFile() ? { size: stat.size, lastModified: stat.mtime } : null;
  }

  async read(key: string, range?: { start: number; end: number }): Promise<Readable> {
    const handle = await fs.open(this.pathOf(key), "r");
    // Opened first so a missing file rejects here; the stream closes the handle.
    return handle.createReadStream({ start: range?.start, end: range?.end, highWaterMark: READ_CHUNK_BYTES });
  }

  async presignedGetUrl(): Promise<string | null> {
    return null;
  }

  async delete(key: string): Promise<void> {
    const target = this.pathOf(key);
    await fs.rm(target, { force: true });
    // Icons live in one folder per build: drop it once empty.
    await fs.rmdir(path.dirname(target)).catch(() => {});
  }

  async *list(): AsyncIterable<StoredEntry> {
    for (const top of ["builds", "icons"]) {
      yield* walk(this.dataDir, top);
    }
  }
}

async function* walk(root: string, relative: string): AsyncIterable<StoredEntry> {
  const entries = await fs.readdir(path.join(root, relative), { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const key = path.posix.join(relative, entry.name);
    if (entry.isDirectory()) {
      yield* walk(root, key);
    } else if (entry.isFile() && !entry.name.endsWith(".tmp")) {
      const stat = await fs.stat(path.join(root, key)).catch(() => null);
      if (stat) yield { key, size: stat.size, lastModified: stat.mtime };
    }
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
