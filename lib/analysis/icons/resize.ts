/**
 * Resamples RGBA images: area averaging (box filter) when shrinking, which
 * keeps thin details without aliasing, and bilinear interpolation when
 * enlarging. Work is done on premultiplied alpha so transparent pixels'
 * (meaningless) colours do not bleed into the edges of the icon.
 */
import type { RgbaImage } from "@/lib/analysis/icons/cgbi";

/** Largest output we produce; also bounds the float buffers below. */
export const MAX_RESIZE_DIMENSION = 4096;

interface Taps {
  /** For each output coordinate: the source indices and weights (summing to 1). */
  index: Int32Array[];
  weight: Float32Array[];
}

function axisTaps(src: number, dst: number): Taps {
  const index: Int32Array[] = [];
  const weight: Float32Array[] = [];
  const scale = src / dst;
  for (let i = 0; i < dst; i++) {
    if (dst < src) {
      // Box: output pixel i covers source interval [i·scale, (i+1)·scale).
      const start = i * scale;
      const end = Math.min(src, (i + 1) * scale);
      const idx: number[] = [];
      const w: number[] = [];
      for (let j = Math.floor(start); j < Math.ceil(end); j++) {
        const overlap = Math.min(end, j + 1) - Math.max(start, j);
        if (overlap > 1e-9) {
          idx.push(j);
          w.push(overlap / scale);
        }
      }
      index.push(Int32Array.from(idx));
      weight.push(Float32Array.from(w));
    } else {
      // Bilinear, sampling at pixel centres (identity when src === dst).
      const x = (i + 0.5) * scale - 0.5;
      const x0 = Math.floor(x);
      const f = x - x0;
      const a = Math.min(src - 1, Math.max(0, x0));
      const b = Math.min(src - 1, Math.max(0, x0 + 1));
      index.push(Int32Array.from([a, b]));
      weight.push(Float32Array.from([1 - f, f]));
    }
  }
  return { index, weight };
}

/** Resizes `img` to exactly width × height. */
export function resizeRgba(img: RgbaImage, width: number, height: number): RgbaImage {
  for (const n of [width, height]) {
    if (!Number.isInteger(n) || n < 1 || n > MAX_RESIZE_DIMENSION)
      throw new Error(`invalid target size ${width}×${height}`);
  }
  if (img.data.length !== img.width * img.height * 4) throw new Error("pixel buffer does not match the image size");
  const sw = img.width;
  const sh = img.height;
  const src = img.data;

  // Horizontal pass: sh rows × width columns.
  const h = axisTaps(sw, width);
  const mid = new Float32Array(sh * width * 4);
  for (let y = 0; y < sh; y++) {
    for (let x = 0; x < width; x++) {
      const idx = h.index[x] ?? new Int32Array(0);
      const w = h.weight[x] ?? new Float32Array(0);
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let t = 0; t < idx.length; t++) {
        const s = (y * sw + (idx[t] ?? 0)) * 4;
        const sa = src[s + 3] ?? 0;
        const wt = w[t] ?? 0;
        const k = (sa / 255) * wt; // premultiply on the fly
        r += (src[s] ?? 0) * k;
        g += (src[s + 1] ?? 0) * k;
        b += (src[s + 2] ?? 0) * k;
        a += sa * wt;
      }
      const d = (y * width + x) * 4;
      mid[d] = r;
      mid[d + 1] = g;
      mid[d + 2] = b;
      mid[d + 3] = a;
    }
  }

  // Vertical pass, then back to straight alpha bytes.
  const v = axisTaps(sh, height);
  const out = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    const idx = v.index[y] ?? new Int32Array(0);
    const w = v.weight[y] ?? new Float32Array(0);
    for (let x = 0; x < width; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let t = 0; t < idx.length; t++) {
        const s = ((idx[t] ?? 0) * width + x) * 4;
        const wt = w[t] ?? 0;
        r += (mid[s] ?? 0) * wt;
        g += (mid[s + 1] ?? 0) * wt;
        b += (mid[s + 2] ?? 0) * wt;
        a += (mid[s + 3] ?? 0) * wt;
      }
      const d = (y * width + x) * 4;
      const alpha = Math.min(255, Math.max(0, Math.round(a)));
      if (alpha === 0) continue; // fully transparent: leave 0,0,0,0
      const k = 255 / a;
      out[d] = Math.min(255, Math.max(0, Math.round(r * k)));
      out[d + 1] = Math.min(255, Math.max(0, Math.round(g * k)));
      out[d + 2] = Math.min(255, Math.max(0, Math.round(b * k)));
      out[d + 3] = alpha;
    }
  }
  return { width, height, data: out };
}

/**
 * Fits `img` into a size × size square, keeping its aspect ratio and
 * centring it on transparency (app icons are square, so normally a plain resize).
 */
export function resizeToSquare(img: RgbaImage, size: number): RgbaImage {
  const scale = size / Math.max(img.width, img.height);
  const w = Math.max(1, Math.min(size, Math.round(img.width * scale)));
  const h = Math.max(1, Math.min(size, Math.round(img.height * scale)));
  const resized = resizeRgba(img, w, h);
  if (w === size && h === size) return resized;
  const out = Buffer.alloc(size * size * 4);
  const ox = Math.floor((size - w) / 2);
  const oy = Math.floor((size - h) / 2);
  for (let y = 0; y < h; y++) {
    resized.data.copy(out, ((oy + y) * size + ox) * 4, y * w * 4, (y + 1) * w * 4);
  }
  return { width: size, height: size, data: out };
}
