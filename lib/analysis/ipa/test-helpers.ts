/**
 * Test-only builders for zip archives and binary plists, written by hand so
 * tests can produce exactly the malformed or hostile bytes they need (lying
 * size fields, "../" names, zip64 records, cyclic plist references).
 */
import { crc32, deflateRawSync } from "node:zlib";

export interface TestZipEntry {
  name: string;
  data?: Buffer;
  /** 0 = stored, 8 = deflated (default 8 for files). */
  method?: 0 | 8;
  /** Overrides the uncompressed size written in the headers (to lie about it). */
  declaredSize?: number;
  /** Replaces the compressed bytes (to corrupt them). */
  rawCompressed?: Buffer;
  /** Unix mode, e.g. 0o100644 or 0o120777 for a symlink. */
  mode?: number;
}

export interface TestZipOptions {
  /** Write zip64 records (extra fields with 0xFFFFFFFF markers, zip64 end records). */
  zip64?: boolean;
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}
function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}
function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
}

const DOS_TIME = 0x6000; // 12:00:00
const DOS_DATE = 0x5a21; // 2025-01-01

/** Builds a zip archive in memory. */
export function buildZip(entries: TestZipEntry[], options: TestZipOptions = {}): Buffer {
  const zip64 = options.zip64 === true;
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const isDir = entry.name.endsWith("/");
    const data = entry.data ?? Buffer.alloc(0);
    const method = isDir ? 0 : (entry.method ?? 8);
    const compressed = entry.rawCompressed ?? (method === 8 ? deflateRawSync(data) : data);
    const size = entry.declaredSize ?? data.length;
    const crc = crc32(data);
    const name = Buffer.from(entry.name, "utf8");
    const mode = entry.mode ?? (isDir ? 0o40755 : 0o100644);

    const localExtra = zip64 ? Buffer.concat([u16(1), u16(16), u64(size), u64(compressed.length)]) : Buffer.alloc(0);
    const local = Buffer.concat([
      u32(0x04034b50),
      u16(zip64 ? 45 : 20),
      u16(0x0800),
      u16(method),
      u16(DOS_TIME),
      u16(DOS_DATE),
      u32(crc),
      u32(zip64 ? 0xffffffff : compressed.length),
      u32(zip64 ? 0xffffffff : size),
      u16(name.length),
      u16(localExtra.length),
      name,
      localExtra,
    ]);
    const centralExtra = zip64
      ? Buffer.concat([u16(1), u16(24), u64(size), u64(compressed.length), u64(offset)])
      : Buffer.alloc(0);
    centrals.push(
      Buffer.concat([
        u32(0x02014b50),
        u16(0x031e),
        u16(zip64 ? 45 : 20),
        u16(0x0800),
        u16(method),
        u16(DOS_TIME),
        u16(DOS_DATE),
        u32(crc),
        u32(zip64 ? 0xffffffff : compressed.length),
        u32(zip64 ? 0xffffffff : size),
        u16(name.length),
        u16(centralExtra.length),
        u16(0),
        u16(0),
        u16(0),
        u32(mode * 0x10000),
        u32(zip64 ? 0xffffffff : offset),
        name,
        centralExtra,
      ]),
    );
    locals.push(local, compressed);
    offset += local.length + compressed.length;
  }
  const central = Buffer.concat(centrals);
  const tail: Buffer[] = [];
  if (zip64) {
    const zip64EndOffset = offset + central.length;
    tail.push(
      Buffer.concat([
        u32(0x06064b50),
        u64(44),
        u16(45),
        u16(45),
        u32(0),
        u32(0),
        u64(entries.length),
        u64(entries.length),
        u64(central.length),
        u64(offset),
      ]),
      Buffer.concat([u32(0x07064b50), u32(0), u64(zip64EndOffset), u32(1)]),
    );
  }
  tail.push(
    Buffer.concat([
      u32(0x06054b50),
      u16(0),
      u16(0),
      u16(zip64 ? 0xffff : entries.length),
      u16(zip64 ? 0xffff : entries.length),
      u32(zip64 ? 0xffffffff : central.length),
      u32(zip64 ? 0xffffffff : offset),
      u16(0),
    ]),
  );
  return Buffer.concat([...locals, central, ...tail]);
}

/** Encoders for single binary-plist objects (object references are 1 byte). */
export const bp = {
  ascii(s: string): Buffer {
    const body = Buffer.from(s, "latin1");
    return Buffer.concat([lengthMarker(0x50, body.length), body]);
  },
  utf16(s: string): Buffer {
    const body = Buffer.from(s, "utf16le").swap16();
    return Buffer.concat([lengthMarker(0x60, body.length / 2), body]);
  },
  int(n: number): Buffer {
    const b = Buffer.alloc(5);
    b[0] = 0x12;
    b.writeUInt32BE(n, 1);
    return b;
  },
  array(refs: number[]): Buffer {
    return Buffer.concat([lengthMarker(0xa0, refs.length), Buffer.from(refs)]);
  },
  dict(keyRefs: number[], valueRefs: number[]): Buffer {
    return Buffer.concat([lengthMarker(0xd0, keyRefs.length), Buffer.from(keyRefs), Buffer.from(valueRefs)]);
  },
};

function lengthMarker(type: number, length: number): Buffer {
  if (length < 15) return Buffer.from([type | length]);
  const b = Buffer.alloc(6);
  b[0] = type | 0x0f;
  b[1] = 0x12;
  b.writeUInt32BE(length, 2);
  return b;
}

export interface BplistLayoutOverrides {
  top?: number;
  refSize?: number;
  offsetSize?: number;
  numObjects?: bigint;
  offsetTableOffset?: bigint;
  /** Replace individual entries of the offset table. */
  offsets?: Record<number, number>;
}

/** Lays out raw encoded objects into a complete `bplist00` file, with optional lies in the trailer. */
export function buildBplist(objects: Buffer[], overrides: BplistLayoutOverrides = {}): Buffer {
  const offsetSize = overrides.offsetSize ?? 2;
  const header = Buffer.from("bplist00", "latin1");
  const offsets: number[] = [];
  let pos = header.length;
  for (const obj of objects) {
    offsets.push(pos);
    pos += obj.length;
  }
  const table = Buffer.alloc(objects.length * offsetSize);
  offsets.forEach((off, i) => {
    table.writeUIntBE(overrides.offsets?.[i] ?? off, i * offsetSize, offsetSize);
  });
  const trailer = Buffer.alloc(32);
  trailer[6] = offsetSize;
  trailer[7] = overrides.refSize ?? 1;
  trailer.writeBigUInt64BE(overrides.numObjects ?? BigInt(objects.length), 8);
  trailer.writeBigUInt64BE(BigInt(overrides.top ?? 0), 16);
  trailer.writeBigUInt64BE(overrides.offsetTableOffset ?? BigInt(pos), 24);
  return Buffer.concat([header, ...objects, table, trailer]);
}
