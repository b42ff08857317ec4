import type { Readable } from "node:stream";
import type { BuildStorage } from "@/lib/storage/storage";

/** Where fileResponse reads a stored object: straight from disk when local, else through the backend's stream. */
export function fileSource(
  storage: BuildStorage,
  key: string,
): { filePath: string } | { openRange: (start: number, end: number) => Promise<Readable> } {
  const filePath = storage.localPath(key);
  return filePath ? { filePath } : { openRange: (start, end) => storage.read(key, { start, end }) };
}
