import { createWriteStream } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { env } from "@/lib/config/env";
import { uploadTmpDir } from "@/lib/storage/build-files";
import { buildStorage } from "@/lib/storage/storage";

/**
 * Where re-signing reads a stored build and writes its output: a work folder
 * under DATA_DIR/tmp named after its owner (`resign-<job id>`,
 * `preview-<random>`), removed when the work ends. A job's folder has a fixed
 * name so a retry after a crash (SIGKILL, power loss) removes what the killed
 * attempt left before it starts.
 */
export async function withWorkDir<T>(name: string, work: (dir: string) => Promise<T>): Promise<T> {
  const tmpDir = uploadTmpDir(env().dataDir);
  await fs.mkdir(tmpDir, { recursive: true });
  const dir = path.join(tmpDir, name);
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { mode: 0o700 });
  try {
    return await work(dir);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** The bytes of a stored build as a local file (the file itself on a local disk, a streamed copy from a bucket). */
export async function localCopyOf(storageKey: string, workDir: string): Promise<string> {
  const storage = buildStorage();
  const local = storage.localPath(storageKey);
  if (local) return local;
  const file = path.join(workDir, "original.ipa");
  await pipeline(await storage.read(storageKey), createWriteStream(file));
  return file;
}
