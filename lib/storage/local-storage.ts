import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import type { BuildStorage, StoredEntry, StoredObject } from "@/lib/storage/storage";

// Larger than the 64 KiB default: fewer syscalls for multi-GB files, still bounded memory.
const READ_CHUNK_BYTES = 256 * 1024;

/**
 * Stored builds and icons are readable by their group, so a web server in it can send
 * them (DOWNLOAD_OFFLOAD=nginx), and by nobody else; the directories Ferry creates for
 * them likewise. Set exactly with chmod, not through the umask (a service's UMask=0077
 * would otherwise make them private again). See docs/deployment.md, *File permissions*.
 */
export const STORED_FILE_MODE = 0o640;
export const STORED_DIR_MODE = 0o750;
const SETGID = 0o2000;

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
    const dir = path.dirname(target);
    await ensureStoredDir(this.dataDir, dir);
    if (await this.stat(key)) {
      const now = new Date();
      await fs.utimes(target, now, now);
      return;
    }
    // Received private (0600, in tmp/); a rename keeps the mode and group it had there.
    await fs.chmod(filePath, STORED_FILE_MODE);
    await adoptDirectoryGroup(filePath, dir);
    await fs.rename(filePath, target);
    await syncDir(dir);
  }

  async putBuffer(key: string, data: Buffer): Promise<void> {
    const target = this.pathOf(key);
    await ensureStoredDir(this.dataDir, path.dirname(target));
    // Unique per call: concurrent uploads of the same bytes write the same key at once.
    const tmp = `${target}.${randomUUID()}.tmp`;
    try {
      await fs.writeFile(tmp, data, { mode: STORED_FILE_MODE, flag: "wx" });
      await fs.chmod(tmp, STORED_FILE_MODE);
      await fs.rename(tmp, target);
    } catch (error) {
      // E.g. a full disk: no temp file is left behind (the periodic sweep catches a crash in between).
      await fs.rm(tmp, { force: true }).catch(() => {});
      throw error;
    }
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

/**
 * Creates `dir` (under `root`) and any missing parent below `root`, each with
 * STORED_DIR_MODE; a setgid bit the new directory inherited is kept, so a group
 * set on DATA_DIR or builds/ with `chmod g+s` carries on down.
 */
async function ensureStoredDir(root: string, dir: string): Promise<void> {
  const first = await fs.mkdir(dir, { recursive: true, mode: STORED_DIR_MODE });
  if (first === undefined) return;
  const top = path.resolve(root);
  for (let current = dir; current.startsWith(first) && current !== top; current = path.dirname(current)) {
    const stat = await fs.stat(current);
    await fs.chmod(current, (stat.mode & SETGID) | STORED_DIR_MODE);
  }
}

/**
 * A file moved into a setgid directory takes that directory's group, as a file
 * created there would (a rename keeps the group it had in tmp/). Not allowed
 * (Ferry neither root nor in that group): it keeps its group, and the docs say
 * to give tmp/ the same group.
 */
async function adoptDirectoryGroup(file: string, dir: string): Promise<void> {
  const [fileStat, dirStat] = await Promise.all([fs.stat(file), fs.stat(dir)]);
  if ((dirStat.mode & SETGID) === 0 || fileStat.gid === dirStat.gid) return;
  await fs.chown(file, -1, dirStat.gid).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "EPERM") throw error;
  });
}

/**
 * Older versions stored builds 0600: files under builds/ and icons/ the group
 * cannot read get g+r, directories g+rx (nothing else changes). Returns how
 * many were changed.
 */
export async function repairStoredModes(dataDir: string): Promise<number> {
  let repaired = 0;
  const visit = async (dir: string): Promise<void> => {
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (!entry.isDirectory() && !entry.isFile()) continue;
      const stat = await fs.stat(full).catch(() => null);
      if (!stat) continue;
      const wanted = entry.isDirectory() ? 0o050 : 0o040;
      if ((stat.mode & wanted) !== wanted && (await widen(full, stat.mode, wanted))) repaired += 1;
      if (entry.isDirectory()) await visit(full);
    }
  };
  for (const top of ["builds", "icons"]) {
    const dir = path.join(dataDir, top);
    const stat = await fs.stat(dir).catch(() => null);
    if (!stat?.isDirectory()) continue;
    if ((stat.mode & 0o050) !== 0o050 && (await widen(dir, stat.mode, 0o050))) repaired += 1;
    await visit(dir);
  }
  return repaired;
}

/** Adds `bits` to a mode; false when not allowed (e.g. the CLI run as another user than the server). */
async function widen(file: string, mode: number, bits: number): Promise<boolean> {
  return fs.chmod(file, (mode & 0o7777) | bits).then(
    () => true,
    () => false,
  );
}

async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
