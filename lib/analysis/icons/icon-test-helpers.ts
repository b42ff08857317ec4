/**
 * Test-only helpers for icon tests (the corpus table: icon-corpus.ts): PNG chunk surgery to
 * build hostile files, and an independent CgBI → standard PNG conversion so
 * our decoder can be checked against pngjs.
 */
import { crc32, deflateSync, inflateRawSync } from "node:zlib";

export interface PngChunk {
  type: string;
  data: Buffer;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Splits a PNG into chunks (no validation: tests feed it good files). */
export function readChunks(png: Buffer): PngChunk[] {
  const out: PngChunk[] = [];
  let pos = 8;
  while (pos + 12 <= png.length) {
    const length = png.readUInt32BE(pos);
    out.push({ type: png.toString("latin1", pos + 4, pos + 8), data: png.subarray(pos + 8, pos + 8 + length) });
    pos += 12 + length;
  }
  return out;
}

/** Assembles chunks into a PNG with correct CRCs. */
export function writeChunks(chunks: PngChunk[]): Buffer {
  const parts: Buffer[] = [SIGNATURE];
  for (const { type, data } of chunks) {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, "latin1");
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
    parts.push(head, data, crc);
  }
  return Buffer.concat(parts);
}

export function ihdr(width: number, height: number, colorType = 6, bitDepth = 8, interlace = 0): PngChunk {
  const data = Buffer.alloc(13);
  data.writeUInt32BE(width, 0);
  data.writeUInt32BE(height, 4);
  data[8] = bitDepth;
  data[9] = colorType;
  data[12] = interlace;
  return { type: "IHDR", data };
}

/**
 * Converts Apple's CgBI file into an ordinary PNG without touching the pixels
 * (drop CgBI, wrap the raw deflate stream in zlib). The result decodes, with any
 * standard decoder, to premultiplied BGRA.
 */
export function cgbiToStandardContainer(png: Buffer): Buffer {
  const chunks = readChunks(png).filter((c) => c.type !== "CgBI" && c.type !== "iDOT");
  const idat = Buffer.concat(chunks.filter((c) => c.type === "IDAT").map((c) => c.data));
  const data = deflateSync(inflateRawSync(idat));
  const out: PngChunk[] = [];
  for (const c of chunks) {
    if (c.type === "IDAT") {
      if (!out.some((o) => o.type === "IDAT")) out.push({ type: "IDAT", data });
    } else {
      out.push(c);
    }
  }
  return writeChunks(out);
}

/** Number of distinct RGBA values (capped), to tell real images from blank ones. */
export function distinctColours(data: Buffer, cap = 64): number {
  const seen = new Set<number>();
  for (let i = 0; i + 3 < data.length && seen.size < cap; i += 4) seen.add(data.readUInt32BE(i));
  return seen.size;
}

export function maxAlpha(data: Buffer): number {
  let max = 0;
  for (let i = 3; i < data.length; i += 4) max = Math.max(max, data[i] ?? 0);
  return max;
}
