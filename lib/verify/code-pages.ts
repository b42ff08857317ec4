import { createHash } from "node:crypto";
import type { ByteSource } from "@/lib/verify/byte-source";
import { type CodeDirectory, digestFor, HASH_TYPES, type HashType } from "@/lib/verify/signature-blobs";

// Read this much at a time: a multiple of every page size (up to 64 KB), so pages never straddle reads.
const CHUNK_BYTES = 1024 * 1024;

export interface PageHashRequest {
  hashType: HashType;
  pageSizeLog2: number;
  codeLimit: number;
}

/**
 * Hashes the pages of one image (`offset` in the file) for several
 * directories in a single pass over the bytes, 1 MB at a time: memory is
 * bounded whatever the binary's size. Returns one hash list per request.
 */
export async function hashCodePages(
  source: ByteSource,
  offset: number,
  requests: ReadonlyArray<PageHashRequest>,
): Promise<Buffer[][]> {
  const results: Buffer[][] = requests.map(() => []);
  const end = Math.max(0, ...requests.map((r) => r.codeLimit));
  for (let start = 0; start < end; start += CHUNK_BYTES) {
    const length = Math.min(CHUNK_BYTES, end - start);
    const chunk = await source.read(offset + start, length);
    requests.forEach((request, i) => {
      if (start >= request.codeLimit) return;
      // Page size 0: the whole code limit is one page (hashed by the last chunk's caller below).
      const pageSize = request.pageSizeLog2 === 0 ? request.codeLimit : 2 ** request.pageSizeLog2;
      if (pageSize > CHUNK_BYTES) return;
      const stop = Math.min(length, request.codeLimit - start);
      for (let at = 0; at < stop; at += pageSize) {
        results[i]?.push(digestFor(request.hashType, chunk.subarray(at, Math.min(at + pageSize, stop))));
      }
    });
  }
  // Pages larger than a chunk (page size 0 on a big image): hash them by streaming reads.
  for (const [i, request] of requests.entries()) {
    const pageSize = request.pageSizeLog2 === 0 ? request.codeLimit : 2 ** request.pageSizeLog2;
    if (pageSize <= CHUNK_BYTES || request.codeLimit === 0) continue;
    results[i] = [await hashRange(source, offset, request.codeLimit, request.hashType)];
  }
  return results;
}

async function hashRange(source: ByteSource, offset: number, length: number, hashType: HashType): Promise<Buffer> {
  const spec = HASH_TYPES[hashType];
  const hash = createHash(spec.algorithm);
  for (let start = 0; start < length; start += CHUNK_BYTES) {
    hash.update(await source.read(offset + start, Math.min(CHUNK_BYTES, length - start)));
  }
  return hash.digest().subarray(0, spec.truncate);
}

/** The first page whose hash differs from the directory's, or null when every page matches. */
export function firstModifiedPage(cd: CodeDirectory, computed: Buffer[]): number | null {
  for (let i = 0; i < cd.codeSlots.length; i++) {
    const expected = cd.codeSlots[i];
    if (!expected || !computed[i]?.equals(expected)) return i;
  }
  return null;
}
