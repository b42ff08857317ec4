/**
 * Encodes RGBA8 pixels as a standard PNG (colour type 6, 8-bit, no interlace)
 * that every browser shows. Written on node:zlib so runtime code needs no PNG library.
 */
import { crc32, deflateSync } from "node:zlib";
import type { RgbaImage } from "@/lib/analysis/icons/cgbi";
import { PNG_SIGNATURE, paeth } from "@/lib/analysis/icons/png-format";

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "latin1");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(data, crc32(head.subarray(4))), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * Filters each row with the filter whose output has the smallest sum of
 * absolute (signed) values — the usual heuristic, which keeps icons small.
 */
function filterRows(img: RgbaImage): Buffer {
  const stride = img.width * 4;
  const src = img.data;
  const out = Buffer.alloc(img.height * (stride + 1));
  const candidate = Buffer.alloc(stride);
  for (let y = 0; y < img.height; y++) {
    const row = y * stride;
    let bestFilter = 0;
    let bestScore = Number.POSITIVE_INFINITY;
    const dest = y * (stride + 1);
    for (let f = 0; f < 5; f++) {
      let score = 0;
      for (let x = 0; x < stride; x++) {
        const cur = src[row + x] ?? 0;
        const left = x >= 4 ? (src[row + x - 4] ?? 0) : 0;
        const up = y > 0 ? (src[row - stride + x] ?? 0) : 0;
        const upLeft = y > 0 && x >= 4 ? (src[row - stride + x - 4] ?? 0) : 0;
        let v: number;
        if (f === 0) v = cur;
        else if (f === 1) v = cur - left;
        else if (f === 2) v = cur - up;
        else if (f === 3) v = cur - ((left + up) >> 1);
        else v = cur - paeth(left, up, upLeft);
        v &= 0xff;
        candidate[x] = v;
        score += v < 128 ? v : 256 - v;
      }
      if (score < bestScore) {
        bestScore = score;
        bestFilter = f;
        out[dest] = f;
        candidate.copy(out, dest + 1);
      }
    }
    out[dest] = bestFilter;
  }
  return out;
}

export function encodePng(img: RgbaImage): Buffer {
  if (!Number.isInteger(img.width) || !Number.isInteger(img.height) || img.width < 1 || img.height < 1) {
    throw new Error(`cannot encode a ${img.width}×${img.height} image`);
  }
  if (img.data.length !== img.width * img.height * 4) throw new Error("pixel buffer does not match the image size");
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(img.width, 0);
  ihdr.writeUInt32BE(img.height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  // compression, filter and interlace methods stay 0
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(filterRows(img), { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}
