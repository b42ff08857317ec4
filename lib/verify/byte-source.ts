import { createWriteStream } from "node:fs";
import { type FileHandle, mkdtemp, open, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ZipReader } from "@/lib/analysis/ipa/zip-reader";

/**
 * Random access to one file's bytes, whether it sits in memory or on disk:
 * Mach-O headers are at the start, signatures at the end, and code pages are
 * hashed in between, so a binary is read in pieces, never whole.
 */
export interface ByteSource {
  readonly size: number;
  /** Exactly `length` bytes from `offset`; the caller checks bounds against `size` first. */
  read(offset: number, length: number): Promise<Buffer>;
  close(): Promise<void>;
}

export function bufferSource(buffer: Buffer): ByteSource {
  return {
    size: buffer.length,
    read: async (offset, length) => buffer.subarray(offset, offset + length),
    close: async () => undefined,
  };
}

export async function fileSource(filePath: string, onClose?: () => Promise<void>): Promise<ByteSource> {
  const handle: FileHandle = await open(filePath, "r");
  const { size } = await handle.stat();
  return {
    size,
    async read(offset, length) {
      const buffer = Buffer.allocUnsafe(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(buffer, done, length - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return done === length ? buffer : buffer.subarray(0, done);
    },
    async close() {
      await handle.close();
      await onClose?.();
    },
  };
}

/**
 * Entries up to this size are inflated into memory; larger ones (a 300 MB
 * game binary) are spilled to a temporary file, so memory stays bounded
 * whatever the archive holds.
 */
export const IN_MEMORY_ENTRY_LIMIT = 32 * 1024 * 1024;

/** A zip entry as a ByteSource; close it to free the memory or temporary file. */
export async function zipEntrySource(
  zip: ZipReader,
  name: string,
  options: { inMemoryLimit?: number; tempDir?: string } = {},
): Promise<ByteSource> {
  const info = zip.getEntry(name);
  if (!info) throw new Error(`zip entry not found: ${name}`);
  const limit = options.inMemoryLimit ?? IN_MEMORY_ENTRY_LIMIT;
  if (info.uncompressedSize <= limit) return bufferSource(await zip.readEntry(name, limit));
  const dir = await mkdtemp(path.join(options.tempDir ?? os.tmpdir(), "ferry-verify-"));
  const file = path.join(dir, "entry");
  try {
    const stream: Readable = await zip.openEntryStream(name);
    await pipeline(stream, createWriteStream(file));
    return await fileSource(file, () => rm(dir, { recursive: true, force: true }));
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
