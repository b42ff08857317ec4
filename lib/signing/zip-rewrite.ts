import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { type FileHandle, open, stat } from "node:fs/promises";
import { finished, pipeline } from "node:stream/promises";
import { crc32, createDeflateRaw, createInflateRaw, inflateRawSync } from "node:zlib";
import { SigningError } from "@/lib/signing/signing-error";

/**
 * Writes a copy of a zip archive in which some entries get new contents:
 * every other entry's local header and compressed bytes are copied as they
 * are (never re-compressed), each central directory record is kept but for
 * its offset, so the archive changes only where re-signing changed it.
 *
 * Two phases, so a 1 GB build is read once: `copyUnchanged` copies the
 * entries that will not change first (hashing the contents of those asked for
 * on the way: what a resource seal needs), then `finish` appends the replaced
 * entries, deflated from files, and writes the central directory in the
 * original order (readers list entries by it, so the order is unchanged
 * though the replaced entries' bytes now sit at the end). Zip64 input is read
 * and zip64 records are written when offsets, sizes or the entry count need
 * them.
 */

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const DESCRIPTOR_SIGNATURE = 0x08074b50;
const ZIP64_EXTRA_ID = 0x0001;
const FLAG_DATA_DESCRIPTOR = 0x8;
const FLAG_UTF8 = 0x800;
const MAX32 = 0xffffffff;
const MAX16 = 0xffff;
const VERSION_DEFAULT = 20;
const VERSION_ZIP64 = 45;
const COPY_CHUNK = 1024 * 1024;
/** Entries up to this size (header and data) are copied and hashed in memory, through the read window. */
const SMALL_ENTRY = 256 * 1024;
/** Written bytes are flushed to disk in the background every so often, so the final sync finds little left. */
const FLUSH_EVERY = 64 * 1024 * 1024;

interface CentralRecord {
  name: string;
  /** The original record: fixed part, name, extra fields, comment. */
  record: Buffer;
  flags: number;
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  localOffset: number;
  /** Where its local header now sits in the output, once written. */
  newOffset: number | null;
  /** Sizes after replacement (the original's when copied). */
  newCompressedSize: number;
  newUncompressedSize: number;
  crc: number;
}

export interface EntryDigests {
  sha1: Buffer;
  sha256: Buffer;
}

async function readAt(handle: FileHandle, position: number, length: number, into?: Buffer): Promise<Buffer> {
  const buffer = into ?? Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) throw new SigningError("unsupported_archive", "The archive ends early.");
    done += bytesRead;
  }
  return into ? buffer.subarray(0, length) : buffer;
}

function corrupt(message: string): SigningError {
  return new SigningError("unsupported_archive", message);
}

/** Extra fields of a record as id → data. */
function extraFields(extra: Buffer): Map<number, Buffer> {
  const fields = new Map<number, Buffer>();
  for (let at = 0; at + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(at);
    const size = extra.readUInt16LE(at + 2);
    if (at + 4 + size > extra.length) break;
    fields.set(id, extra.subarray(at + 4, at + 4 + size));
    at += 4 + size;
  }
  return fields;
}

/** Extra fields without the zip64 one (it is rewritten when needed). */
function extraWithoutZip64(extra: Buffer): Buffer {
  const kept: Buffer[] = [];
  for (let at = 0; at + 4 <= extra.length; ) {
    const size = extra.readUInt16LE(at + 2);
    if (extra.readUInt16LE(at) !== ZIP64_EXTRA_ID) kept.push(extra.subarray(at, at + 4 + size));
    at += 4 + size;
  }
  return Buffer.concat(kept);
}

function readUInt64(buffer: Buffer, at: number): number {
  const value = buffer.readBigUInt64LE(at);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt("A zip64 size or offset is out of range.");
  return Number(value);
}

async function readCentralDirectory(
  handle: FileHandle,
  size: number,
): Promise<{ records: CentralRecord[]; comment: Buffer }> {
  const tailLength = Math.min(size, 22 + MAX16);
  const tail = await readAt(handle, size - tailLength, tailLength);
  let eocd = -1;
  for (let at = tail.length - 22; at >= 0; at--) {
    if (tail.readUInt32LE(at) === EOCD_SIGNATURE) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw corrupt("The archive has no end of central directory.");
  let count = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  const comment = Buffer.from(tail.subarray(eocd + 22, eocd + 22 + tail.readUInt16LE(eocd + 20)));
  const eocdPosition = size - tailLength + eocd;
  if (count === MAX16 || cdSize === MAX32 || cdOffset === MAX32) {
    // Zip64: the locator sits right before the end record and points at the zip64 end record.
    if (eocdPosition < 20) throw corrupt("The zip64 end of central directory locator is missing.");
    const locator = await readAt(handle, eocdPosition - 20, 20);
    if (locator.readUInt32LE(0) !== ZIP64_LOCATOR_SIGNATURE)
      throw corrupt("The zip64 end of central directory locator is missing.");
    const zip64Offset = readUInt64(locator, 8);
    if (zip64Offset + 56 > eocdPosition) throw corrupt("The zip64 end of central directory is out of bounds.");
    const record = await readAt(handle, zip64Offset, 56);
    if (record.readUInt32LE(0) !== ZIP64_EOCD_SIGNATURE)
      throw corrupt("The zip64 end of central directory is corrupt.");
    count = readUInt64(record, 32);
    cdSize = readUInt64(record, 40);
    cdOffset = readUInt64(record, 48);
  }
  if (cdOffset + cdSize > size || count * 46 > cdSize) throw corrupt("The central directory is out of bounds.");
  const cd = await readAt(handle, cdOffset, cdSize);
  const records: CentralRecord[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 46 > cd.length || cd.readUInt32LE(at) !== CENTRAL_SIGNATURE) {
      throw corrupt("The central directory is corrupt.");
    }
    const nameLength = cd.readUInt16LE(at + 28);
    const extraLength = cd.readUInt16LE(at + 30);
    const length = 46 + nameLength + extraLength + cd.readUInt16LE(at + 32);
    if (at + length > cd.length) throw corrupt("The central directory is corrupt.");
    const record = cd.subarray(at, at + length);
    let compressedSize = record.readUInt32LE(20);
    let uncompressedSize = record.readUInt32LE(24);
    let localOffset = record.readUInt32LE(42);
    if (compressedSize === MAX32 || uncompressedSize === MAX32 || localOffset === MAX32) {
      // The zip64 extra field holds, in this order, only the values whose 32-bit field is saturated.
      const zip64 = extraFields(record.subarray(46 + nameLength, 46 + nameLength + extraLength)).get(ZIP64_EXTRA_ID);
      let field = 0;
      const next = () => {
        if (!zip64 || field + 8 > zip64.length) throw corrupt("A zip64 extra field is missing or short.");
        const value = readUInt64(zip64, field);
        field += 8;
        return value;
      };
      if (uncompressedSize === MAX32) uncompressedSize = next();
      if (compressedSize === MAX32) compressedSize = next();
      if (localOffset === MAX32) localOffset = next();
    }
    records.push({
      name: record.toString("utf8", 46, 46 + nameLength),
      record,
      flags: record.readUInt16LE(8),
      method: record.readUInt16LE(10),
      compressedSize,
      uncompressedSize,
      localOffset,
      newOffset: null,
      newCompressedSize: compressedSize,
      newUncompressedSize: uncompressedSize,
      crc: record.readUInt32LE(16),
    });
    at += length;
  }
  return { records, comment };
}

/** Deflates `file` into `deflatedPath`; returns its CRC-32 and sizes. */
async function deflateFile(
  file: string,
  deflatedPath: string,
): Promise<{ crc: number; size: number; compressed: number }> {
  let crc = 0;
  let size = 0;
  const source = createReadStream(file);
  source.on("data", (chunk) => {
    crc = crc32(chunk as Buffer, crc);
    size += (chunk as Buffer).length;
  });
  await pipeline(source, createDeflateRaw(), createWriteStream(deflatedPath));
  return { crc, size, compressed: (await stat(deflatedPath)).size };
}

/** A zip64 extra field with the given values (uncompressed, compressed, offset order), or empty. */
function zip64Extra(values: number[]): Buffer {
  if (values.length === 0) return Buffer.alloc(0);
  const field = Buffer.alloc(4 + 8 * values.length);
  field.writeUInt16LE(ZIP64_EXTRA_ID, 0);
  field.writeUInt16LE(8 * values.length, 2);
  values.forEach((value, i) => {
    field.writeBigUInt64LE(BigInt(value), 4 + 8 * i);
  });
  return field;
}

/** The central record for `entry` at its new place, with zip64 fields where its values need them. */
function centralRecordOf(entry: CentralRecord, replaced: boolean, force: boolean): Buffer {
  const { record } = entry;
  const nameLength = record.readUInt16LE(28);
  const extraLength = record.readUInt16LE(30);
  const commentLength = record.readUInt16LE(32);
  const name = record.subarray(46, 46 + nameLength);
  // A replaced entry drops the original's extra fields and comment (they described the old bytes).
  const extra = replaced
    ? Buffer.alloc(0)
    : extraWithoutZip64(record.subarray(46 + nameLength, 46 + nameLength + extraLength));
  const comment = replaced
    ? Buffer.alloc(0)
    : record.subarray(46 + nameLength + extraLength, 46 + nameLength + extraLength + commentLength);
  const offset = entry.newOffset ?? 0;
  const big: number[] = [];
  const zip64Sizes = force || entry.newUncompressedSize >= MAX32 || entry.newCompressedSize >= MAX32;
  if (zip64Sizes) big.push(entry.newUncompressedSize, entry.newCompressedSize);
  if (force || offset >= MAX32) big.push(offset);
  const zip64 = zip64Extra(big);
  const fixed = Buffer.alloc(46);
  record.copy(fixed, 0, 0, 46);
  if (replaced) {
    fixed.writeUInt16LE(entry.flags, 8);
    fixed.writeUInt16LE(8, 10);
    fixed.writeUInt32LE(entry.crc >>> 0, 16);
  }
  const needed = fixed.readUInt16LE(6);
  if (big.length > 0) fixed.writeUInt16LE(Math.max(needed & 0xff, VERSION_ZIP64) | (needed & 0xff00), 6);
  else if (replaced) fixed.writeUInt16LE(VERSION_DEFAULT, 6);
  fixed.writeUInt32LE(zip64Sizes ? MAX32 : entry.newCompressedSize, 20);
  fixed.writeUInt32LE(zip64Sizes ? MAX32 : entry.newUncompressedSize, 24);
  fixed.writeUInt16LE(extra.length + zip64.length, 30);
  fixed.writeUInt16LE(comment.length, 32);
  fixed.writeUInt32LE(force || offset >= MAX32 ? MAX32 : offset, 42);
  return Buffer.concat([fixed, name, zip64, extra, comment]);
}

function endRecords(count: number, cdOffset: number, cdSize: number, comment: Buffer, force: boolean): Buffer {
  const needsZip64 = force || count >= MAX16 || cdOffset >= MAX32 || cdSize >= MAX32;
  const parts: Buffer[] = [];
  if (needsZip64) {
    const record = Buffer.alloc(56);
    record.writeUInt32LE(ZIP64_EOCD_SIGNATURE, 0);
    record.writeBigUInt64LE(44n, 4); // size of the rest of this record
    record.writeUInt16LE((3 << 8) | VERSION_ZIP64, 12);
    record.writeUInt16LE(VERSION_ZIP64, 14);
    record.writeBigUInt64LE(BigInt(count), 24);
    record.writeBigUInt64LE(BigInt(count), 32);
    record.writeBigUInt64LE(BigInt(cdSize), 40);
    record.writeBigUInt64LE(BigInt(cdOffset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(ZIP64_LOCATOR_SIGNATURE, 0);
    locator.writeBigUInt64LE(BigInt(cdOffset + cdSize), 8);
    locator.writeUInt32LE(1, 16);
    parts.push(record, locator);
  }
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(EOCD_SIGNATURE, 0);
  eocd.writeUInt16LE(needsZip64 ? MAX16 : count, 8);
  eocd.writeUInt16LE(needsZip64 ? MAX16 : count, 10);
  eocd.writeUInt32LE(needsZip64 ? MAX32 : cdSize, 12);
  eocd.writeUInt32LE(needsZip64 ? MAX32 : cdOffset, 16);
  eocd.writeUInt16LE(comment.length, 20);
  parts.push(eocd, comment);
  return Buffer.concat(parts);
}

/** A rewrite in progress: `copyUnchanged`, then `finish`; always `close`. */
export interface ZipRewrite {
  /** Entry names in central directory order. */
  readonly names: readonly string[];
  /**
   * Copies every entry not named in `changing`, as it is. For each copied
   * entry `digest` selects, returns the SHA-1 and SHA-256 of its contents
   * (inflated on the way when deflated), computed from the same read.
   */
  copyUnchanged(changing: ReadonlySet<string>, digest?: (name: string) => boolean): Promise<Map<string, EntryDigests>>;
  /**
   * Writes the entries named in `replacements` (name → file of new bytes;
   * names not in the archive are added after the others, as regular files),
   * copies any entry not written yet, then the central directory; syncs the
   * output to disk. `tempFile` names scratch files.
   */
  finish(replacements: ReadonlyMap<string, string>, tempFile: (name: string) => string): Promise<void>;
  close(): Promise<void>;
}

export interface ZipRewriteOptions {
  /** Write zip64 records for every entry and the end of the archive even when nothing needs them (tests the zip64 path on small archives). */
  forceZip64?: boolean;
}

export async function openZipRewrite(
  inputPath: string,
  outputPath: string,
  options: ZipRewriteOptions = {},
): Promise<ZipRewrite> {
  const force = options.forceZip64 === true;
  const input = await open(inputPath, "r");
  let output: FileHandle | null = null;
  try {
    const { size } = await input.stat();
    const { records, comment } = await readCentralDirectory(input, size);
    output = await open(outputPath, "w");
    const out = output;
    /** Bytes written to the file so far; `tell()` adds what is still batched. */
    let position = 0;
    let unflushed = 0;
    let flushing: Promise<void> | null = null;
    const buffers = [0, 1, 2].map(() => Buffer.allocUnsafe(COPY_CHUNK));
    // Small entries (most of an app's files) go through a read window and a write batch: a few syscalls per MiB, not per entry.
    const batch = Buffer.allocUnsafe(COPY_CHUNK);
    let batched = 0;
    const window = Buffer.allocUnsafe(COPY_CHUNK);
    let windowStart = 0;
    let windowLength = 0;
    const tell = () => position + batched;

    const writeDirect = async (bytes: Buffer) => {
      let done = 0;
      while (done < bytes.length) {
        done += (await out.write(bytes, done, bytes.length - done, position + done)).bytesWritten;
      }
      position += bytes.length;
      unflushed += bytes.length;
      if (unflushed >= FLUSH_EVERY && flushing === null) {
        unflushed = 0;
        flushing = out.datasync().finally(() => {
          flushing = null;
        });
      }
    };
    const flushBatch = async () => {
      if (batched === 0) return;
      const length = batched;
      batched = 0;
      await writeDirect(batch.subarray(0, length));
    };
    /** Appends `bytes` to the output (copied into the batch, so the caller may reuse them). */
    const write = async (bytes: Buffer) => {
      if (batched + bytes.length > batch.length) await flushBatch();
      if (bytes.length >= batch.length) await writeDirect(bytes);
      else {
        bytes.copy(batch, batched);
        batched += bytes.length;
      }
    };
    /** `length` (≤ 1 MiB) input bytes at `at`, from the read window; valid until the next call. */
    const readSmall = async (at: number, length: number): Promise<Buffer> => {
      if (at < windowStart || at + length > windowStart + windowLength) {
        const available = Math.min(window.length, size - at);
        if (length > available) throw corrupt("The archive ends early.");
        await readAt(input, at, available, window);
        windowStart = at;
        windowLength = available;
      }
      return window.subarray(at - windowStart, at - windowStart + length);
    };
    /**
     * Copies `length` bytes from `start`, three buffers in turn: the next
     * read and the previous write run (in the thread pool) while this chunk
     * is handed to `onChunk` (hashing, on this thread).
     */
    const copy = async (
      from: FileHandle,
      start: number,
      length: number,
      onChunk?: (chunk: Buffer) => Promise<void> | void,
    ) => {
      await flushBatch();
      let pendingWrite: Promise<void> = Promise.resolve();
      let index = 0;
      let reading: Promise<Buffer> | null =
        length > 0 ? readAt(from, start, Math.min(COPY_CHUNK, length), buffers[0]) : null;
      for (let at = 0; at < length; at += COPY_CHUNK, index++) {
        const chunk = await (reading as Promise<Buffer>);
        const nextAt = at + COPY_CHUNK;
        reading =
          nextAt < length
            ? readAt(from, start + nextAt, Math.min(COPY_CHUNK, length - nextAt), buffers[(index + 1) % 3])
            : null;
        if (onChunk) await onChunk(chunk);
        await pendingWrite;
        pendingWrite = writeDirect(chunk);
      }
      await pendingWrite;
    };

    /** Copies one entry (local header, data, descriptor); hashes its contents when `digests` is given. */
    const copyEntry = async (entry: CentralRecord, digests: boolean): Promise<EntryDigests | null> => {
      const local = await readSmall(entry.localOffset, 30);
      if (local.readUInt32LE(0) !== LOCAL_SIGNATURE) throw corrupt(`${entry.name}: bad local header.`);
      const headerLength = 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
      const dataStart = entry.localOffset + headerLength;
      if (dataStart + entry.compressedSize > size) throw corrupt(`${entry.name}: its data is out of bounds.`);
      const hashable = digests && (entry.method === 0 || entry.method === 8);
      entry.newOffset = tell();
      let result: EntryDigests | null = null;
      const small =
        headerLength + entry.compressedSize <= SMALL_ENTRY && (!hashable || entry.uncompressedSize <= SMALL_ENTRY);
      if (small) {
        const bytes = await readSmall(entry.localOffset, headerLength + entry.compressedSize);
        await write(bytes);
        if (hashable) {
          const data = bytes.subarray(headerLength);
          let contents: Buffer;
          try {
            contents =
              entry.method === 0
                ? data
                : inflateRawSync(data, { maxOutputLength: Math.max(1, entry.uncompressedSize) });
          } catch (error) {
            throw corrupt(`${entry.name}: ${(error as Error).message}`);
          }
          if (contents.length !== entry.uncompressedSize)
            throw corrupt(`${entry.name}: its size does not match the directory.`);
          result = {
            sha1: createHash("sha1").update(contents).digest(),
            sha256: createHash("sha256").update(contents).digest(),
          };
        }
      } else if (hashable) {
        await copy(input, entry.localOffset, headerLength);
        const sha1 = createHash("sha1");
        const sha256 = createHash("sha256");
        let inflated = 0;
        const hash = (chunk: Buffer) => {
          inflated += chunk.length;
          sha1.update(chunk);
          sha256.update(chunk);
        };
        if (entry.method === 0) await copy(input, dataStart, entry.compressedSize, hash);
        else {
          const inflate = createInflateRaw();
          inflate.on("data", hash);
          const done = finished(inflate);
          // Each chunk is inflated before its buffer is read into again.
          await copy(input, dataStart, entry.compressedSize, (chunk) => {
            return new Promise<void>((resolve, reject) =>
              inflate.write(chunk, (error) => (error ? reject(error) : resolve())),
            );
          });
          inflate.end();
          await done.catch((error: unknown) => {
            throw corrupt(`${entry.name}: ${(error as Error).message}`);
          });
        }
        if (inflated !== entry.uncompressedSize) throw corrupt(`${entry.name}: its size does not match the directory.`);
        result = { sha1: sha1.digest(), sha256: sha256.digest() };
      } else await copy(input, entry.localOffset, headerLength + entry.compressedSize);
      if (entry.flags & FLAG_DATA_DESCRIPTOR) {
        const descriptorAt = dataStart + entry.compressedSize;
        const first = (await readSmall(descriptorAt, 4)).readUInt32LE(0);
        const zip64 = entry.compressedSize >= MAX32 || entry.uncompressedSize >= MAX32;
        await write(await readSmall(descriptorAt, (first === DESCRIPTOR_SIGNATURE ? 4 : 0) + (zip64 ? 20 : 12)));
      }
      return result;
    };

    const byName = new Map(records.map((r) => [r.name, r]));
    return {
      names: records.map((r) => r.name),
      async copyUnchanged(changing, digest) {
        const out = new Map<string, EntryDigests>();
        for (const entry of records) {
          if (changing.has(entry.name) || entry.newOffset !== null) continue;
          const digests = await copyEntry(entry, digest?.(entry.name) === true);
          if (digests) out.set(entry.name, digests);
        }
        return out;
      },
      async finish(replacements, tempFile) {
        // Names not in the archive are added at its end, as regular files (mode 0644, made on Unix).
        for (const name of [...replacements.keys()].filter((n) => !byName.has(n)).sort()) {
          const record = Buffer.alloc(46 + Buffer.byteLength(name));
          record.writeUInt32LE(CENTRAL_SIGNATURE, 0);
          record.writeUInt16LE(0x031e, 4);
          record.writeUInt16LE(FLAG_UTF8, 8);
          record.writeUInt16LE(0x21, 14); // 1980-01-01
          record.writeUInt16LE(Buffer.byteLength(name), 28);
          record.writeUInt32LE((0o100644 << 16) >>> 0, 38);
          record.write(name, 46, "utf8");
          const entry: CentralRecord = {
            name,
            record,
            flags: FLAG_UTF8,
            method: 8,
            compressedSize: 0,
            uncompressedSize: 0,
            localOffset: 0,
            newOffset: null,
            newCompressedSize: 0,
            newUncompressedSize: 0,
            crc: 0,
          };
          records.push(entry);
          byName.set(name, entry);
        }
        const replacedNames = new Set<string>();
        for (const entry of records) {
          const replacement = replacements.get(entry.name);
          if (!replacement) {
            if (entry.newOffset === null) await copyEntry(entry, false);
            continue;
          }
          replacedNames.add(entry.name);
          const deflated = tempFile(`${replacedNames.size}.deflated`);
          const { crc, size: rawSize, compressed } = await deflateFile(replacement, deflated);
          const name = Buffer.from(entry.name, "utf8");
          entry.flags &= FLAG_UTF8;
          entry.crc = crc;
          entry.newCompressedSize = compressed;
          entry.newUncompressedSize = rawSize;
          entry.newOffset = tell();
          const zip64 = rawSize >= MAX32 || compressed >= MAX32;
          const extra = zip64 ? zip64Extra([rawSize, compressed]) : Buffer.alloc(0);
          const local = Buffer.alloc(30);
          local.writeUInt32LE(LOCAL_SIGNATURE, 0);
          local.writeUInt16LE(zip64 ? VERSION_ZIP64 : VERSION_DEFAULT, 4);
          local.writeUInt16LE(entry.flags, 6);
          local.writeUInt16LE(8, 8);
          local.writeUInt16LE(entry.record.readUInt16LE(12), 10);
          local.writeUInt16LE(entry.record.readUInt16LE(14), 12);
          local.writeUInt32LE(crc >>> 0, 14);
          local.writeUInt32LE(zip64 ? MAX32 : compressed, 18);
          local.writeUInt32LE(zip64 ? MAX32 : rawSize, 22);
          local.writeUInt16LE(name.length, 26);
          local.writeUInt16LE(extra.length, 28);
          await write(Buffer.concat([local, name, extra]));
          const handle = await open(deflated, "r");
          try {
            await copy(handle, 0, compressed);
          } finally {
            await handle.close();
          }
        }
        const cdOffset = tell();
        let cdSize = 0;
        // The central directory in the original order, written in batches.
        let directory: Buffer[] = [];
        let directoryBytes = 0;
        for (const entry of records) {
          const record = centralRecordOf(entry, replacedNames.has(entry.name), force);
          directory.push(record);
          directoryBytes += record.length;
          cdSize += record.length;
          if (directoryBytes >= COPY_CHUNK) {
            await write(Buffer.concat(directory));
            directory = [];
            directoryBytes = 0;
          }
        }
        if (directory.length > 0) await write(Buffer.concat(directory));
        await write(endRecords(records.length, cdOffset, cdSize, comment, force));
        await flushBatch();
        await flushing;
        await out.datasync();
      },
      async close() {
        await flushing?.catch(() => undefined);
        await out.close();
        await input.close();
      },
    };
  } catch (error) {
    await output?.close();
    await input.close();
    throw error;
  }
}

/**
 * Copies `inputPath` to `outputPath`, entries named in `replacements` (name →
 * file holding the new bytes) deflated afresh. `tempFile` names scratch files.
 */
export async function rewriteZip(
  inputPath: string,
  outputPath: string,
  replacements: ReadonlyMap<string, string>,
  tempFile: (name: string) => string,
  options: ZipRewriteOptions = {},
): Promise<void> {
  const rewrite = await openZipRewrite(inputPath, outputPath, options);
  try {
    await rewrite.copyUnchanged(new Set(replacements.keys()));
    await rewrite.finish(replacements, tempFile);
  } finally {
    await rewrite.close();
  }
}
