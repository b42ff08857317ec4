/**
 * Decodes PNGs found in app bundles into straight-alpha RGBA8, including
 * Apple's "CgBI" variant that Xcode writes (pngcrush -iphone): a CgBI chunk
 * before IHDR, IDAT as raw deflate (no zlib header or Adler-32), pixels in
 * BGRA order with premultiplied alpha. Browsers cannot show those as-is.
 *
 * Deliberately narrow: 8-bit RGB/RGBA, non-interlaced — what app icons use.
 * Dimensions are checked before any inflation and the inflated size is capped
 * at exactly what the image needs, so a hostile header cannot make us allocate.
 */
import { crc32, inflateRawSync, inflateSync } from "node:zlib";
import { PNG_SIGNATURE, paeth } from "@/lib/analysis/icons/png-format";

export interface RgbaImage {
  width: number;
  height: number;
  /** width × height × 4 bytes, RGBA, straight (non-premultiplied) alpha. */
  data: Buffer;
}

export interface DecodedPng extends RgbaImage {
  /** True if the file was Apple's CgBI variant. */
  cgbi: boolean;
}

export class PngDecodeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PngDecodeError";
  }
}

/** Largest app icon is 1024×1024; 4096 leaves room without allowing huge buffers. */
export const MAX_PNG_DIMENSION = 4096;
/** Ancillary chunks we skip; cap their number so a file of empty chunks cannot spin us. */
const MAX_CHUNKS = 100_000;

export interface DecodePngOptions {
  /** Refuse images wider or taller than this (default MAX_PNG_DIMENSION). */
  maxDimension?: number;
}

export function isPng(buf: Uint8Array): boolean {
  return buf.length >= 8 && Buffer.from(buf.buffer, buf.byteOffset, 8).equals(PNG_SIGNATURE);
}

/** True for Apple's CgBI PNGs (the CgBI chunk comes first). */
export function isCgbiPng(buf: Uint8Array): boolean {
  return (
    isPng(buf) && buf.length >= 16 && Buffer.from(buf.buffer, buf.byteOffset + 12, 4).toString("latin1") === "CgBI"
  );
}

interface Header {
  width: number;
  height: number;
  colorType: number;
  channels: number;
}

/** Decodes a normal or CgBI PNG to straight-alpha RGBA8. Throws PngDecodeError. */
export function decodePng(buf: Buffer, options: DecodePngOptions = {}): DecodedPng {
  const maxDimension = options.maxDimension ?? MAX_PNG_DIMENSION;
  if (!isPng(buf)) throw new PngDecodeError("not a PNG file (bad signature)");

  let pos = PNG_SIGNATURE.length;
  let cgbi = false;
  let header: Header | null = null;
  const idat: Buffer[] = [];
  let sawEnd = false;
  for (let count = 0; pos < buf.length; count++) {
    if (count >= MAX_CHUNKS) throw new PngDecodeError("too many chunks");
    if (pos + 12 > buf.length) throw new PngDecodeError("truncated chunk header");
    const length = buf.readUInt32BE(pos);
    const type = buf.toString("latin1", pos + 4, pos + 8);
    const dataStart = pos + 8;
    const dataEnd = dataStart + length;
    if (length > 0x7fffffff || dataEnd + 4 > buf.length) throw new PngDecodeError(`truncated ${type} chunk`);
    const data = buf.subarray(dataStart, dataEnd);
    if (crc32(buf.subarray(pos + 4, dataEnd)) !== buf.readUInt32BE(dataEnd)) {
      throw new PngDecodeError(`${type} chunk fails its CRC check (file damaged)`);
    }
    pos = dataEnd + 4;

    if (type === "CgBI") {
      if (header) throw new PngDecodeError("CgBI chunk after IHDR");
      cgbi = true;
    } else if (type === "IHDR") {
      if (header) throw new PngDecodeError("duplicate IHDR");
      header = readHeader(data, maxDimension);
    } else if (!header) {
      throw new PngDecodeError(`${type} chunk before IHDR`);
    } else if (type === "IDAT") {
      idat.push(data);
    } else if (type === "IEND") {
      sawEnd = true;
      break;
    } else if (type === "PLTE") {
      // Allowed (a suggested palette) for truecolour images; unused.
    } else if ((type.charCodeAt(0) & 0x20) === 0) {
      throw new PngDecodeError(`unsupported critical chunk ${type}`);
    }
  }
  if (!header) throw new PngDecodeError("no IHDR chunk");
  if (idat.length === 0) throw new PngDecodeError("no image data (IDAT)");
  if (!sawEnd) throw new PngDecodeError("truncated file (no IEND chunk)");

  const stride = header.width * header.channels;
  const expected = header.height * (stride + 1);
  let raw: Buffer;
  try {
    const compressed = Buffer.concat(idat);
    // maxOutputLength: never inflate more than the declared image needs.
    raw = cgbi
      ? inflateRawSync(compressed, { maxOutputLength: expected })
      : inflateSync(compressed, { maxOutputLength: expected });
  } catch (err) {
    if (err instanceof Error && "code" in err && err.code === "ERR_BUFFER_TOO_LARGE") {
      throw new PngDecodeError(
        `image data inflates to more than the ${expected} bytes a ${header.width}×${header.height} image needs`,
        {
          cause: err,
        },
      );
    }
    const why = err instanceof Error ? err.message : String(err);
    throw new PngDecodeError(`image data cannot be decompressed (${why}): the file is truncated or damaged`, {
      cause: err,
    });
  }
  if (raw.length !== expected) {
    throw new PngDecodeError(`image data is truncated (${raw.length} of ${expected} bytes)`);
  }

  unfilterInPlace(raw, header.height, stride, header.channels);
  return { width: header.width, height: header.height, data: toRgba(raw, header, cgbi), cgbi };
}

function readHeader(data: Buffer, maxDimension: number): Header {
  if (data.length !== 13) throw new PngDecodeError("malformed IHDR");
  const width = data.readUInt32BE(0);
  const height = data.readUInt32BE(4);
  const bitDepth = data[8];
  const colorType = data[9];
  const compression = data[10];
  const filter = data[11];
  const interlace = data[12];
  if (width === 0 || height === 0) throw new PngDecodeError("image has zero width or height");
  if (width > maxDimension || height > maxDimension) {
    throw new PngDecodeError(`image is ${width}×${height}, larger than the ${maxDimension}×${maxDimension} allowed`);
  }
  if (compression !== 0 || filter !== 0) throw new PngDecodeError("unknown compression or filter method");
  if (bitDepth !== 8) throw new PngDecodeError(`unsupported bit depth ${String(bitDepth)} (only 8 is supported)`);
  if (colorType !== 6 && colorType !== 2) {
    throw new PngDecodeError(`unsupported colour type ${String(colorType)} (only RGB and RGBA are supported)`);
  }
  if (interlace !== 0) throw new PngDecodeError("interlaced PNGs are not supported");
  return { width, height, colorType, channels: colorType === 6 ? 4 : 3 };
}

/** Reverses the per-row PNG filters in place (each row keeps its leading filter byte). */
function unfilterInPlace(raw: Buffer, height: number, stride: number, bpp: number): void {
  const rowBytes = stride + 1;
  for (let y = 0; y < height; y++) {
    const filter = raw[y * rowBytes];
    const row = y * rowBytes + 1;
    const prev = row - rowBytes; // only read when y > 0
    if (filter === 0) continue;
    if (filter === undefined || filter > 4)
      throw new PngDecodeError(`unknown row filter ${String(filter)} in row ${y}`);
    for (let x = 0; x < stride; x++) {
      const cur = raw[row + x] ?? 0;
      const left = x >= bpp ? (raw[row + x - bpp] ?? 0) : 0;
      const up = y > 0 ? (raw[prev + x] ?? 0) : 0;
      let value: number;
      if (filter === 1) value = cur + left;
      else if (filter === 2) value = cur + up;
      else if (filter === 3) value = cur + ((left + up) >> 1);
      else value = cur + paeth(left, up, y > 0 && x >= bpp ? (raw[prev + x - bpp] ?? 0) : 0);
      raw[row + x] = value & 0xff;
    }
  }
}

/**
 * Expands unfiltered rows (with their filter bytes) to RGBA; for CgBI also
 * swaps BGR(A)→RGB(A) and un-premultiplies alpha.
 */
function toRgba(pixels: Buffer, header: Header, cgbi: boolean): Buffer {
  const n = header.width * header.height;
  const out = Buffer.alloc(n * 4);
  const ch = header.channels;
  const rowBytes = header.width * ch + 1;
  for (let i = 0; i < n; i++) {
    const y = Math.floor(i / header.width);
    const s = y * rowBytes + 1 + (i - y * header.width) * ch;
    const d = i * 4;
    const c0 = pixels[s] ?? 0;
    const c1 = pixels[s + 1] ?? 0;
    const c2 = pixels[s + 2] ?? 0;
    const a = ch === 4 ? (pixels[s + 3] ?? 0) : 255;
    let r = cgbi ? c2 : c0;
    let g = c1;
    let b = cgbi ? c0 : c2;
    if (cgbi && a < 255) {
      if (a === 0) {
        r = 0;
        g = 0;
        b = 0;
      } else {
        // Premultiplied → straight; clamp because rounding in the encoder can exceed alpha.
        r = Math.min(255, Math.round((r * 255) / a));
        g = Math.min(255, Math.round((g * 255) / a));
        b = Math.min(255, Math.round((b * 255) / a));
      }
    }
    out[d] = r;
    out[d + 1] = g;
    out[d + 2] = b;
    out[d + 3] = a;
  }
  return out;
}
