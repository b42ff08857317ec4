/**
 * Draws Ferry's own icon (a white ferry on the header logo's sky-to-indigo
 * gradient) and writes public/favicon.ico (16, 32 and 48 px PNGs in an ICO),
 * public/apple-touch-icon.png (180 px, opaque: iOS rounds the corners itself)
 * and public/icon-192.png, public/icon-512.png (web app manifest).
 *
 *   npx tsx scripts/generate-icons.ts
 *
 * One-off: the generated files are committed, so neither CI nor `npm start`
 * runs this. pngjs is already a devDependency; no image tool is needed.
 */
import fs from "node:fs";
import path from "node:path";
import { PNG } from "pngjs";

const PUBLIC = path.resolve(import.meta.dirname, "..", "public");
/** Tailwind's sky-500 and indigo-600, as in the header's logo mark. */
const FROM = [0x0e, 0xa5, 0xe9];
const TO = [0x4f, 0x46, 0xe5];
/** Subsamples per pixel side: edges are anti-aliased by coverage. */
const SS = 4;

type Shape = (x: number, y: number) => boolean;

const rect =
  (x0: number, y0: number, x1: number, y1: number, r = 0): Shape =>
  (x, y) => {
    if (x < x0 || x > x1 || y < y0 || y > y1) return false;
    const cx = Math.min(Math.max(x, x0 + r), x1 - r);
    const cy = Math.min(Math.max(y, y0 + r), y1 - r);
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
  };

/** The hull: wider at the deck than at the waterline. */
const hull: Shape = (x, y) => {
  if (y < 0.56 || y > 0.7) return false;
  const t = (y - 0.56) / 0.14;
  return x >= 0.17 + 0.1 * t && x <= 0.83 - 0.1 * t;
};
const cabin = rect(0.31, 0.42, 0.69, 0.57, 0.03);
const bridge = rect(0.38, 0.31, 0.58, 0.43, 0.025);
const windows = [0.355, 0.4675, 0.58].map((x) => rect(x, 0.465, x + 0.065, 0.525, 0.01));
const wave: Shape = (x, y) =>
  x >= 0.15 && x <= 0.85 && Math.abs(y - (0.8 + 0.025 * Math.sin(x * Math.PI * 6))) <= 0.022;

/** The whole glyph, drawn 0.05 higher than its parts' coordinates so it sits in the middle. */
const white: Shape = (x, y0) => {
  const y = y0 + 0.05;
  return wave(x, y) || hull(x, y) || bridge(x, y) || (cabin(x, y) && !windows.some((w) => w(x, y)));
};

/**
 * One icon as RGBA. `corner` > 0 rounds the background (transparent corners,
 * for browser tabs); 0 fills the square (home screens apply their own mask).
 */
function draw(size: number, corner: number): PNG {
  const png = new PNG({ width: size, height: size });
  const inside = rect(0, 0, 1, 1, corner);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let background = 0;
      let glyph = 0;
      for (let sy = 0; sy < SS; sy++) {
        for (let sx = 0; sx < SS; sx++) {
          const x = (px + (sx + 0.5) / SS) / size;
          const y = (py + (sy + 0.5) / SS) / size;
          if (!inside(x, y)) continue;
          background += 1;
          if (white(x, y)) glyph += 1;
        }
      }
      const t = (px + py) / (2 * (size - 1));
      const i = (py * size + px) * 4;
      for (let c = 0; c < 3; c++) {
        const bg = FROM[c]! + (TO[c]! - FROM[c]!) * t;
        // Colour of the covered part only; coverage goes to alpha.
        png.data[i + c] = background === 0 ? 0 : Math.round(bg + (255 - bg) * (glyph / background));
      }
      png.data[i + 3] = Math.round((255 * background) / (SS * SS));
    }
  }
  return png;
}

/** An ICO holding PNG images (supported by every current browser and by Windows since Vista). */
function ico(images: { size: number; png: Buffer }[]): Buffer {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0); // reserved
  header.writeUInt16LE(1, 2); // 1 = icon
  header.writeUInt16LE(images.length, 4);
  const entries: Buffer[] = [];
  let offset = 6 + 16 * images.length;
  for (const { size, png } of images) {
    const e = Buffer.alloc(16);
    e.writeUInt8(size >= 256 ? 0 : size, 0);
    e.writeUInt8(size >= 256 ? 0 : size, 1);
    e.writeUInt8(0, 2); // no palette
    e.writeUInt8(0, 3);
    e.writeUInt16LE(1, 4); // colour planes
    e.writeUInt16LE(32, 6); // bits per pixel
    e.writeUInt32LE(png.length, 8);
    e.writeUInt32LE(offset, 12);
    offset += png.length;
    entries.push(e);
  }
  return Buffer.concat([header, ...entries, ...images.map((i) => i.png)]);
}

const encode = (png: PNG) => PNG.sync.write(png, { colorType: 6 });
const opaque = (png: PNG) => PNG.sync.write(png, { colorType: 2, inputHasAlpha: true });

fs.mkdirSync(PUBLIC, { recursive: true });
fs.writeFileSync(
  path.join(PUBLIC, "favicon.ico"),
  ico([16, 32, 48].map((size) => ({ size, png: encode(draw(size, 0.2)) }))),
);
fs.writeFileSync(path.join(PUBLIC, "apple-touch-icon.png"), opaque(draw(180, 0)));
for (const size of [192, 512]) fs.writeFileSync(path.join(PUBLIC, `icon-${size}.png`), opaque(draw(size, 0)));
console.log(`icons written to ${PUBLIC}`);
