/**
 * Hardened parser for Apple binary property lists (`bplist00`).
 *
 * Info.plist files come from untrusted uploads, so every offset, length and
 * reference is checked against the buffer before it is used, reference cycles
 * are refused, and the total work is capped (a DAG of shared references can
 * otherwise expand exponentially). Failures throw a plain `Error`; callers map
 * them to their own error codes.
 *
 * Format reference: CFBinaryPList.c in Apple's CoreFoundation sources.
 */

export const BPLIST_MAGIC = "bplist00";

/** A `CF$UID` reference (only used by NSKeyedArchiver archives). */
export class PlistUid {
  constructor(readonly value: number) {}
}

export type BplistValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Date
  | Buffer
  | PlistUid
  | BplistValue[]
  | { [key: string]: BplistValue };

export interface BplistLimits {
  /** Maximum number of values materialised (shared references count each time). */
  maxObjects?: number;
  /** Maximum container nesting depth. */
  maxDepth?: number;
}

const DEFAULT_MAX_OBJECTS = 250_000;
const DEFAULT_MAX_DEPTH = 128;
const HEADER_SIZE = 8;
const TRAILER_SIZE = 32;
// Seconds between the Unix epoch and Apple's reference date 2001-01-01T00:00:00Z.
const APPLE_EPOCH_OFFSET_SECONDS = 978_307_200;

export function isBinaryPlist(buf: Uint8Array): boolean {
  if (buf.length < HEADER_SIZE) return false;
  for (let i = 0; i < HEADER_SIZE; i++) {
    if (buf[i] !== BPLIST_MAGIC.charCodeAt(i)) return false;
  }
  return true;
}

/** Reads a big-endian unsigned integer of 1..8 bytes; refuses values above 2^53. */
function readUIntBE(buf: Buffer, offset: number, size: number, what: string): number {
  if (size < 1 || size > 8) throw new Error(`bplist: invalid ${what} size ${size}`);
  if (offset < 0 || offset + size > buf.length) throw new Error(`bplist: ${what} lies outside the file`);
  if (size <= 6) return buf.readUIntBE(offset, size);
  const big =
    size === 8 ? buf.readBigUInt64BE(offset) : BigInt(buf.readUIntBE(offset, 6)) * 256n + BigInt(buf[offset + 6] ?? 0);
  if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`bplist: ${what} is too large`);
  return Number(big);
}

function bigToNumberIfSafe(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

export function parseBplist(input: Uint8Array, limits: BplistLimits = {}): BplistValue {
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const maxObjects = limits.maxObjects ?? DEFAULT_MAX_OBJECTS;
  const maxDepth = limits.maxDepth ?? DEFAULT_MAX_DEPTH;

  if (!isBinaryPlist(buf)) throw new Error("bplist: missing bplist00 header");
  if (buf.length < HEADER_SIZE + 1 + TRAILER_SIZE) throw new Error("bplist: file is too short");

  // Trailer: 6 unused bytes, offsetIntSize, objectRefSize, numObjects, topObject, offsetTableOffset.
  const trailer = buf.length - TRAILER_SIZE;
  const offsetIntSize = buf[trailer + 6] ?? 0;
  const objectRefSize = buf[trailer + 7] ?? 0;
  if (offsetIntSize < 1 || offsetIntSize > 8) throw new Error(`bplist: invalid offset size ${offsetIntSize}`);
  if (objectRefSize < 1 || objectRefSize > 8) throw new Error(`bplist: invalid object reference size ${objectRefSize}`);
  const numObjects = readUIntBE(buf, trailer + 8, 8, "object count");
  const topObject = readUIntBE(buf, trailer + 16, 8, "top object");
  const offsetTableOffset = readUIntBE(buf, trailer + 24, 8, "offset table offset");

  if (numObjects < 1) throw new Error("bplist: no objects");
  if (topObject >= numObjects) throw new Error("bplist: top object is out of range");
  // Objects sit between the header and the offset table; the table sits before the trailer.
  if (offsetTableOffset < HEADER_SIZE + 1 || offsetTableOffset > trailer) {
    throw new Error("bplist: offset table lies outside the file");
  }
  // Division instead of multiplication: a huge declared count must not overflow the check.
  if (numObjects > (trailer - offsetTableOffset) / offsetIntSize) {
    throw new Error(`bplist: declares ${numObjects} objects but the offset table is too small`);
  }
  const objectsEnd = offsetTableOffset;

  let produced = 0;
  // Object indices on the current parse path, for cycle detection.
  const onPath = new Set<number>();

  function objectOffset(ref: number): number {
    if (ref >= numObjects) throw new Error(`bplist: object reference ${ref} is out of range`);
    const off = readUIntBE(buf, offsetTableOffset + ref * offsetIntSize, offsetIntSize, "object offset");
    if (off < HEADER_SIZE || off >= objectsEnd) throw new Error(`bplist: object ${ref} offset ${off} is out of range`);
    return off;
  }

  function need(start: number, length: number, what: string): void {
    if (!Number.isSafeInteger(length) || length < 0 || start + length > objectsEnd) {
      throw new Error(`bplist: ${what} runs past the end of the object area`);
    }
  }

  /** Reads the element count of a marker; returns [count, offset of first content byte]. */
  function readCount(off: number, low: number): [number, number] {
    if (low !== 0x0f) return [low, off + 1];
    const intMarker = buf[off + 1];
    if (intMarker === undefined || off + 1 >= objectsEnd || (intMarker & 0xf0) !== 0x10) {
      throw new Error("bplist: malformed extended length");
    }
    const size = 1 << (intMarker & 0x0f);
    if (size > 8) throw new Error("bplist: extended length is too large");
    need(off + 2, size, "extended length");
    const count = readUIntBE(buf, off + 2, size, "extended length");
    return [count, off + 2 + size];
  }

  function readRef(at: number): number {
    return readUIntBE(buf, at, objectRefSize, "object reference");
  }

  function parseObject(ref: number, depth: number): BplistValue {
    produced += 1;
    if (produced > maxObjects) throw new Error(`bplist: more than ${maxObjects} objects`);
    if (depth > maxDepth) throw new Error(`bplist: nesting deeper than ${maxDepth} levels`);
    const off = objectOffset(ref);
    const marker = buf[off] ?? 0;
    const high = marker >> 4;
    const low = marker & 0x0f;

    switch (high) {
      case 0x0:
        if (marker === 0x00) return null;
        if (marker === 0x08) return false;
        if (marker === 0x09) return true;
        throw new Error(`bplist: unsupported marker 0x${marker.toString(16)}`);
      case 0x1: {
        // Integers: 1, 2 and 4 bytes are unsigned; 8 and 16 bytes are signed.
        if (low > 4) throw new Error(`bplist: unsupported integer width 2^${low}`);
        const size = 1 << low;
        need(off + 1, size, "integer");
        if (size <= 4) return buf.readUIntBE(off + 1, size);
        if (size === 8) return bigToNumberIfSafe(buf.readBigInt64BE(off + 1));
        const hi = buf.readBigInt64BE(off + 1);
        const lo = buf.readBigUInt64BE(off + 9);
        return bigToNumberIfSafe((hi << 64n) | lo);
      }
      case 0x2: {
        if (low === 2) {
          need(off + 1, 4, "real");
          return buf.readFloatBE(off + 1);
        }
        if (low === 3) {
          need(off + 1, 8, "real");
          return buf.readDoubleBE(off + 1);
        }
        throw new Error(`bplist: unsupported real width 2^${low}`);
      }
      case 0x3: {
        if (marker !== 0x33) throw new Error(`bplist: unsupported marker 0x${marker.toString(16)}`);
        need(off + 1, 8, "date");
        const seconds = buf.readDoubleBE(off + 1);
        return new Date((seconds + APPLE_EPOCH_OFFSET_SECONDS) * 1000);
      }
      case 0x4: {
        const [length, start] = readCount(off, low);
        need(start, length, "data");
        return Buffer.from(buf.subarray(start, start + length));
      }
      case 0x5: {
        const [length, start] = readCount(off, low);
        need(start, length, "ASCII string");
        return buf.toString("latin1", start, start + length);
      }
      case 0x6: {
        const [chars, start] = readCount(off, low);
        need(start, chars * 2, "UTF-16 string");
        // Node only decodes UTF-16LE: swap the byte pairs of a copy.
        const copy = Buffer.from(buf.subarray(start, start + chars * 2));
        copy.swap16();
        return copy.toString("utf16le");
      }
      case 0x8: {
        const size = low + 1;
        need(off + 1, size, "UID");
        return new PlistUid(readUIntBE(buf, off + 1, size, "UID"));
      }
      case 0xa:
      case 0xb:
      case 0xc: {
        // Array, ordered set and set: all become JS arrays.
        const [count, start] = readCount(off, low);
        need(start, count * objectRefSize, "array");
        return withPath(ref, () => {
          const out: BplistValue[] = [];
          for (let i = 0; i < count; i++) {
            out.push(parseObject(readRef(start + i * objectRefSize), depth + 1));
          }
          return out;
        });
      }
      case 0xd: {
        const [count, start] = readCount(off, low);
        need(start, count * objectRefSize * 2, "dictionary");
        return withPath(ref, () => {
          const out: { [key: string]: BplistValue } = {};
          const valuesStart = start + count * objectRefSize;
          for (let i = 0; i < count; i++) {
            const key = parseObject(readRef(start + i * objectRefSize), depth + 1);
            if (typeof key !== "string") throw new Error("bplist: dictionary key is not a string");
            const value = parseObject(readRef(valuesStart + i * objectRefSize), depth + 1);
            // defineProperty: a "__proto__" key must become data, not change the prototype.
            Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
          }
          return out;
        });
      }
      default:
        throw new Error(`bplist: unsupported marker 0x${marker.toString(16)}`);
    }
  }

  function withPath<T>(ref: number, fn: () => T): T {
    if (onPath.has(ref)) throw new Error(`bplist: object ${ref} contains itself (reference cycle)`);
    onPath.add(ref);
    try {
      return fn();
    } finally {
      onPath.delete(ref);
    }
  }

  return parseObject(topObject, 0);
}
