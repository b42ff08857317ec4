import { createCipheriv, createHash } from "node:crypto";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { finished } from "node:stream/promises";
import zlib from "node:zlib";
import { build, buildBinary, type PlistValue } from "plist";

/**
 * Writes a structurally valid .ipa (a zip) for tests and benchmarks, from a
 * few KB up to many GB, streaming to disk with constant memory.
 *
 * The zip is written by hand so that we control every byte: entries are
 * *stored* (method 0) because the padding is random and would not compress
 * anyway, ZIP64 records appear when sizes/offsets need them (or on demand),
 * and data descriptors can be switched on to mimic streaming zip writers.
 *
 * Padding is an AES-128-CTR keystream: incompressible, fast (GB/s) and
 * deterministic for a given seed, so identical options give identical files
 * (same SHA-256) and the CRC can be computed in a cheap pre-pass instead of
 * needing data descriptors or seeking back.
 */

export interface GenerateIpaOptions {
  bundleId: string;
  /** CFBundleShortVersionString, e.g. "1.2.3". */
  version: string;
  /** CFBundleVersion, e.g. "45". */
  buildNumber: string;
  /** CFBundleName, the executable and the `<Name>.app` folder. */
  name: string;
  /** Size of `Payload/<Name>.app/padding.bin` in bytes (may be 0). */
  padBytes: number;
  /** Info.plist encoding, or "none" to leave it out. Default "xml". */
  infoPlist?: "xml" | "binary" | "none";
  /** Default: `name`. */
  displayName?: string;
  /** Default "15.0". */
  minimumOSVersion?: string;
  /** Merged into Info.plist last; `undefined`/`null` removes a key. */
  infoPlistExtra?: Record<string, PlistValue | undefined>;
  /** More small files, paths relative to the archive root (e.g. icons). */
  extraFiles?: ReadonlyArray<{ path: string; data: Uint8Array | string }>;
  /** Include `Payload/` and `Payload/<Name>.app/` entries like Xcode does. Default true. */
  directoryEntries?: boolean;
  /** Where Info.plist sits among the entries. Default "first". */
  infoPlistPosition?: "first" | "last";
  /** Use general-purpose bit 3 + data descriptors instead of CRCs in local headers. Default false. */
  dataDescriptors?: boolean;
  /** Emit ZIP64 extra fields and end records even for small archives (tests the ZIP64 path cheaply). */
  forceZip64?: boolean;
  /** The main executable's bytes (e.g. a real signed Mach-O). Default: a 4 KiB unsigned arm64 header. */
  executable?: Uint8Array;
  /** Seed for the padding bytes. Default derived from bundleId/version/buildNumber. */
  seed?: string;
  /** Timestamp stored for every entry. Default 2025-01-01T00:00:00Z. */
  mtime?: Date;
}

export interface GeneratedIpa {
  /** Hex SHA-256 of the whole file, computed while writing. */
  sha256: string;
  /** File size in bytes. */
  size: number;
}

const CHUNK_BYTES = 1024 * 1024;
const WRITE_HIGH_WATER_MARK = 4 * CHUNK_BYTES;
const MAX32 = 0xffffffff;
const MAX16 = 0xffff;
const DEFAULT_MTIME = new Date("2025-01-01T00:00:00Z");

const SIG_LOCAL = 0x04034b50;
const SIG_DESCRIPTOR = 0x08074b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_EOCD = 0x06054b50;
const FLAG_DESCRIPTOR = 0x0008;
const FLAG_UTF8 = 0x0800;
const ZIP64_EXTRA_ID = 0x0001;
const VERSION_DEFAULT = 20;
const VERSION_ZIP64 = 45;
const MADE_BY_UNIX = 3 << 8;

interface Entry {
  name: Buffer;
  isDirectory: boolean;
  mode: number;
  size: number;
  /** Fresh iteration yields the same bytes each time (needed for the CRC pre-pass). */
  chunks: () => Iterable<Uint8Array>;
  zip64: boolean;
  crc: number;
  offset: number;
}

export async function generateIpa(outPath: string, options: GenerateIpaOptions): Promise<GeneratedIpa> {
  const entries = planEntries(options);
  const useDescriptors = options.dataDescriptors === true;
  const force = options.forceZip64 === true;
  const { time, date } = dosDateTime(options.mtime ?? DEFAULT_MTIME);

  const out = createWriteStream(outPath, { highWaterMark: WRITE_HIGH_WATER_MARK });
  const hash = createHash("sha256");
  let offset = 0;
  let failure: unknown = null;
  out.on("error", (error) => {
    failure ??= error;
  });

  const write = async (buffer: Uint8Array): Promise<void> => {
    if (failure !== null) throw failure;
    hash.update(buffer);
    offset += buffer.length;
    // Backpressure: never queue more than the stream's high-water mark.
    if (!out.write(buffer)) await once(out, "drain");
  };

  try {
    for (const entry of entries) {
      entry.offset = offset;
      const descriptor = useDescriptors && !entry.isDirectory;
      entry.crc = descriptor || entry.isDirectory ? 0 : crcOf(entry);
      await write(localHeader(entry, descriptor, time, date));

      let crc = 0;
      let written = 0;
      for (const chunk of entry.chunks()) {
        if (descriptor) crc = crc32(chunk, crc);
        written += chunk.length;
        await write(chunk);
      }
      if (written !== entry.size) throw new Error(`internal: wrote ${written} of ${entry.size} bytes`);
      if (descriptor) {
        entry.crc = crc;
        await write(dataDescriptor(entry));
      }
    }

    const centralStart = offset;
    for (const entry of entries) {
      await write(centralHeader(entry, useDescriptors && !entry.isDirectory, force, time, date));
    }
    const centralSize = offset - centralStart;
    await write(endRecords(entries.length, centralStart, centralSize, offset, force));

    out.end();
    await finished(out);
    if (failure !== null) throw failure;
  } catch (error) {
    out.destroy();
    await rm(outPath, { force: true }).catch(() => undefined);
    throw error;
  }

  return { sha256: hash.digest("hex"), size: offset };
}

function planEntries(options: GenerateIpaOptions): Entry[] {
  const { bundleId, version, buildNumber, name, padBytes } = options;
  for (const [label, value] of Object.entries({ bundleId, version, buildNumber, name })) {
    if (typeof value !== "string" || value.length === 0) throw new RangeError(`${label} must be a non-empty string`);
  }
  if (name.includes("/") || name === "." || name === "..") throw new RangeError("name must be a plain file name");
  if (!Number.isSafeInteger(padBytes) || padBytes < 0) throw new RangeError("padBytes must be a non-negative integer");

  const force = options.forceZip64 === true;
  const appDir = `Payload/${name}.app/`;
  const entries: Entry[] = [];
  const add = (path: string, data: Uint8Array | null, mode = 0o100644): void => {
    const isDirectory = data === null;
    const bytes = data ?? new Uint8Array(0);
    entries.push(makeEntry(path, isDirectory, isDirectory ? 0o40755 : mode, bytes.length, () => [bytes], force));
  };

  if (options.directoryEntries !== false) {
    add("Payload/", null);
    add(appDir, null);
  }
  const infoPlist = infoPlistBytes(options);
  const infoFirst = options.infoPlistPosition !== "last";
  if (infoPlist !== null && infoFirst) add(`${appDir}Info.plist`, infoPlist);
  add(`${appDir}${name}`, options.executable ?? fakeExecutable(), 0o100755);
  for (const file of options.extraFiles ?? []) {
    add(file.path, typeof file.data === "string" ? Buffer.from(file.data, "utf8") : file.data);
  }
  const seed = options.seed ?? `${bundleId}@${version}(${buildNumber})`;
  entries.push(makeEntry(`${appDir}padding.bin`, false, 0o100644, padBytes, () => keystream(seed, padBytes), force));
  if (infoPlist !== null && !infoFirst) add(`${appDir}Info.plist`, infoPlist);
  return entries;
}

function makeEntry(
  path: string,
  isDirectory: boolean,
  mode: number,
  size: number,
  chunks: () => Iterable<Uint8Array>,
  force: boolean,
): Entry {
  // The sentinel itself (0xFFFFFFFF) already means "see ZIP64", hence >=.
  return {
    name: Buffer.from(path, "utf8"),
    isDirectory,
    mode,
    size,
    chunks,
    zip64: force || size >= MAX32,
    crc: 0,
    offset: 0,
  };
}

function infoPlistBytes(options: GenerateIpaOptions): Uint8Array | null {
  const format = options.infoPlist ?? "xml";
  if (format === "none") return null;
  const info: Record<string, PlistValue> = {
    CFBundleIdentifier: options.bundleId,
    CFBundleShortVersionString: options.version,
    CFBundleVersion: options.buildNumber,
    CFBundleName: options.name,
    CFBundleDisplayName: options.displayName ?? options.name,
    CFBundleExecutable: options.name,
    CFBundlePackageType: "APPL",
    CFBundleInfoDictionaryVersion: "6.0",
    MinimumOSVersion: options.minimumOSVersion ?? "15.0",
    UIDeviceFamily: [1, 2],
    CFBundleSupportedPlatforms: ["iPhoneOS"],
    LSRequiresIPhoneOS: true,
  };
  for (const [key, value] of Object.entries(options.infoPlistExtra ?? {})) {
    if (value === undefined || value === null) delete info[key];
    else info[key] = value;
  }
  return format === "binary" ? buildBinary(info) : Buffer.from(build(info), "utf8");
}

/** A 64-bit arm64 Mach-O header (MH_EXECUTE) followed by zeros: looks the part. */
function fakeExecutable(): Uint8Array {
  const bytes = Buffer.alloc(4096);
  bytes.writeUInt32LE(0xfeedfacf, 0); // MH_MAGIC_64
  bytes.writeUInt32LE(0x0100000c, 4); // CPU_TYPE_ARM64
  bytes.writeUInt32LE(0, 8); // CPU_SUBTYPE_ARM64_ALL
  bytes.writeUInt32LE(2, 12); // MH_EXECUTE
  return bytes;
}

function* keystream(seed: string, total: number): Generator<Uint8Array> {
  const material = createHash("sha256").update(`ferry generate-ipa padding\0${seed}`).digest();
  const cipher = createCipheriv("aes-128-ctr", material.subarray(0, 16), material.subarray(16, 32));
  const zeros = Buffer.alloc(Math.min(CHUNK_BYTES, total));
  for (let remaining = total; remaining > 0; remaining -= CHUNK_BYTES) {
    // A fresh output buffer per chunk: the write stream may still hold the previous one.
    yield cipher.update(remaining >= CHUNK_BYTES ? zeros : zeros.subarray(0, remaining));
  }
}

function crcOf(entry: Entry): number {
  let crc = 0;
  for (const chunk of entry.chunks()) crc = crc32(chunk, crc);
  return crc;
}

function localHeader(entry: Entry, descriptor: boolean, time: number, date: number): Buffer {
  const extra = entry.zip64 ? zip64Extra([descriptor ? 0 : entry.size, descriptor ? 0 : entry.size]) : Buffer.alloc(0);
  const size32 = entry.zip64 ? MAX32 : descriptor ? 0 : entry.size;
  const header = Buffer.alloc(30);
  header.writeUInt32LE(SIG_LOCAL, 0);
  header.writeUInt16LE(entry.zip64 ? VERSION_ZIP64 : VERSION_DEFAULT, 4);
  header.writeUInt16LE(flags(entry, descriptor), 6);
  header.writeUInt16LE(0, 8); // method: stored
  header.writeUInt16LE(time, 10);
  header.writeUInt16LE(date, 12);
  header.writeUInt32LE(entry.crc, 14);
  header.writeUInt32LE(size32, 18); // compressed
  header.writeUInt32LE(size32, 22); // uncompressed
  header.writeUInt16LE(entry.name.length, 26);
  header.writeUInt16LE(extra.length, 28);
  return Buffer.concat([header, entry.name, extra]);
}

function dataDescriptor(entry: Entry): Buffer {
  // Sizes are 8 bytes exactly when the local header carried a ZIP64 extra field.
  const descriptor = Buffer.alloc(entry.zip64 ? 24 : 16);
  descriptor.writeUInt32LE(SIG_DESCRIPTOR, 0);
  descriptor.writeUInt32LE(entry.crc, 4);
  if (entry.zip64) {
    descriptor.writeBigUInt64LE(BigInt(entry.size), 8);
    descriptor.writeBigUInt64LE(BigInt(entry.size), 16);
  } else {
    descriptor.writeUInt32LE(entry.size, 8);
    descriptor.writeUInt32LE(entry.size, 12);
  }
  return descriptor;
}

function centralHeader(entry: Entry, descriptor: boolean, force: boolean, time: number, date: number): Buffer {
  // ZIP64 extra lists, in this order, only the fields whose 32-bit slot holds the sentinel.
  const sizeInExtra = entry.zip64;
  const offsetInExtra = force || entry.offset >= MAX32;
  const extraValues: number[] = [];
  if (sizeInExtra) extraValues.push(entry.size, entry.size);
  if (offsetInExtra) extraValues.push(entry.offset);
  const extra = extraValues.length > 0 ? zip64Extra(extraValues) : Buffer.alloc(0);
  const version = extra.length > 0 ? VERSION_ZIP64 : VERSION_DEFAULT;
  const dosAttributes = entry.isDirectory ? 0x10 : 0;

  const header = Buffer.alloc(46);
  header.writeUInt32LE(SIG_CENTRAL, 0);
  header.writeUInt16LE(MADE_BY_UNIX | version, 4);
  header.writeUInt16LE(version, 6);
  header.writeUInt16LE(flags(entry, descriptor), 8);
  header.writeUInt16LE(0, 10); // method: stored
  header.writeUInt16LE(time, 12);
  header.writeUInt16LE(date, 14);
  header.writeUInt32LE(entry.crc, 16);
  header.writeUInt32LE(sizeInExtra ? MAX32 : entry.size, 20);
  header.writeUInt32LE(sizeInExtra ? MAX32 : entry.size, 24);
  header.writeUInt16LE(entry.name.length, 28);
  header.writeUInt16LE(extra.length, 30);
  header.writeUInt16LE(0, 32); // comment length
  header.writeUInt16LE(0, 34); // disk number start
  header.writeUInt16LE(0, 36); // internal attributes
  header.writeUInt32LE(((entry.mode << 16) | dosAttributes) >>> 0, 38);
  header.writeUInt32LE(offsetInExtra ? MAX32 : entry.offset, 42);
  return Buffer.concat([header, entry.name, extra]);
}

function endRecords(
  count: number,
  centralStart: number,
  centralSize: number,
  zip64EocdOffset: number,
  force: boolean,
): Buffer {
  const countOverflow = force || count >= MAX16;
  const sizeOverflow = force || centralSize >= MAX32;
  const startOverflow = force || centralStart >= MAX32;
  const parts: Buffer[] = [];

  if (countOverflow || sizeOverflow || startOverflow) {
    const record = Buffer.alloc(56);
    record.writeUInt32LE(SIG_ZIP64_EOCD, 0);
    record.writeBigUInt64LE(BigInt(56 - 12), 4); // size of the rest of this record
    record.writeUInt16LE(MADE_BY_UNIX | VERSION_ZIP64, 12);
    record.writeUInt16LE(VERSION_ZIP64, 14);
    record.writeUInt32LE(0, 16); // this disk
    record.writeUInt32LE(0, 20); // disk with the central directory
    record.writeBigUInt64LE(BigInt(count), 24);
    record.writeBigUInt64LE(BigInt(count), 32);
    record.writeBigUInt64LE(BigInt(centralSize), 40);
    record.writeBigUInt64LE(BigInt(centralStart), 48);

    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(SIG_ZIP64_LOCATOR, 0);
    locator.writeUInt32LE(0, 4); // disk with the ZIP64 end record
    locator.writeBigUInt64LE(BigInt(zip64EocdOffset), 8);
    locator.writeUInt32LE(1, 16); // total disks
    parts.push(record, locator);
  }

  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(SIG_EOCD, 0);
  eocd.writeUInt16LE(0, 4); // this disk
  eocd.writeUInt16LE(0, 6); // disk with the central directory
  eocd.writeUInt16LE(countOverflow ? MAX16 : count, 8);
  eocd.writeUInt16LE(countOverflow ? MAX16 : count, 10);
  eocd.writeUInt32LE(sizeOverflow ? MAX32 : centralSize, 12);
  eocd.writeUInt32LE(startOverflow ? MAX32 : centralStart, 16);
  eocd.writeUInt16LE(0, 20); // comment length
  parts.push(eocd);
  return Buffer.concat(parts);
}

function zip64Extra(values: number[]): Buffer {
  const extra = Buffer.alloc(4 + 8 * values.length);
  extra.writeUInt16LE(ZIP64_EXTRA_ID, 0);
  extra.writeUInt16LE(8 * values.length, 2);
  values.forEach((value, index) => {
    extra.writeBigUInt64LE(BigInt(value), 4 + 8 * index);
  });
  return extra;
}

function flags(entry: Entry, descriptor: boolean): number {
  const ascii = entry.name.every((byte) => byte < 0x80);
  return (descriptor ? FLAG_DESCRIPTOR : 0) | (ascii ? 0 : FLAG_UTF8);
}

/** MS-DOS date/time from the UTC fields, so output does not depend on the machine's time zone. */
function dosDateTime(value: Date): { time: number; date: number } {
  if (Number.isNaN(value.getTime()) || value.getUTCFullYear() < 1980 || value.getUTCFullYear() > 2107) {
    throw new RangeError("mtime must be a valid Date between 1980 and 2107");
  }
  return {
    time: (value.getUTCHours() << 11) | (value.getUTCMinutes() << 5) | Math.floor(value.getUTCSeconds() / 2),
    date: ((value.getUTCFullYear() - 1980) << 9) | ((value.getUTCMonth() + 1) << 5) | value.getUTCDate(),
  };
}

// zlib.crc32 exists from Node 20.15 / 22.2; package.json allows Node >= 20.9.
const nativeCrc32: ((data: Uint8Array, value?: number) => number) | undefined =
  typeof (zlib as { crc32?: unknown }).crc32 === "function" ? zlib.crc32 : undefined;

let crcTable: Uint32Array | null = null;

/** Table-driven CRC-32 (IEEE), used when zlib.crc32 is unavailable. Same chaining as zlib.crc32. */
export function tableCrc32(data: Uint8Array, value = 0): number {
  if (crcTable === null) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  const table = crcTable;
  let crc = ~value >>> 0;
  for (let i = 0; i < data.length; i++) {
    crc = (table[(crc ^ (data[i] ?? 0)) & 0xff] ?? 0) ^ (crc >>> 8);
  }
  return ~crc >>> 0;
}

/** CRC-32 continuing from `value` (the CRC of the preceding bytes). */
export function crc32(data: Uint8Array, value = 0): number {
  return nativeCrc32 !== undefined ? nativeCrc32(data, value) : tableCrc32(data, value);
}
