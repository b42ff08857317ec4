/**
 * A deterministic placeholder icon for apps whose icon we cannot extract
 * (e.g. it lives only in Assets.car): a colour derived from the bundle id and
 * the app's initials in white. Letters come from a tiny monoline stroke font
 * (A–Z, 0–9) rendered as anti-aliased round-capped strokes, so they look
 * clean at 57 px and at 512 px without any font library. iOS masks the
 * corners itself, so the square is filled edge to edge.
 */
import { createHash } from "node:crypto";
import type { RgbaImage } from "@/lib/analysis/icons/cgbi";
import { encodePng } from "@/lib/analysis/icons/encode";

type Pt = readonly [number, number];
type Stroke = readonly Pt[];

/** Points along an elliptical arc; angles in degrees, 0 = +x, 90 = down (+y). */
function arc(cx: number, cy: number, rx: number, ry: number, from: number, to: number): Pt[] {
  const steps = Math.max(4, Math.ceil(Math.abs(to - from) / 7.5));
  const pts: Pt[] = [];
  for (let i = 0; i <= steps; i++) {
    const a = ((from + ((to - from) * i) / steps) * Math.PI) / 180;
    pts.push([cx + rx * Math.cos(a), cy + ry * Math.sin(a)]);
  }
  return pts;
}

/** Joins points and arcs into one polyline. */
function path(...parts: (Pt | Pt[])[]): Stroke {
  const out: Pt[] = [];
  for (const part of parts) {
    if (typeof part[0] === "number") out.push(part as Pt);
    else out.push(...(part as Pt[]));
  }
  return out;
}

// Glyphs on a 4 × 6 grid (x right, y down); round letters are "stadiums" of radius 2.
const O_SHAPE: Stroke = path(arc(2, 2, 2, 2, 180, 360), arc(2, 4, 2, 2, 0, 180), [0, 2]);
const P_BOWL: Pt[] = [[0, 6], [0, 0], [2.3, 0], ...arc(2.3, 1.75, 1.7, 1.75, 270, 450), [0, 3.5]];

export const GLYPHS: Readonly<Record<string, readonly Stroke[]>> = {
  A: [path([0, 6], [2, 0], [4, 6]), path([0.7, 4], [3.3, 4])],
  B: [
    path([0, 3], [0, 0], [2.2, 0], arc(2.2, 1.5, 1.5, 1.5, 270, 450), [0, 3]),
    path([0, 3], [0, 6], [2.3, 6], arc(2.3, 4.5, 1.7, 1.5, 90, -90), [0, 3]),
  ],
  C: [path(arc(2, 2, 2, 2, 330, 180), arc(2, 4, 2, 2, 180, 30))],
  D: [path([0, 0], [1.8, 0], arc(1.8, 2.2, 2.2, 2.2, 270, 360), arc(1.8, 3.8, 2.2, 2.2, 0, 90), [0, 6], [0, 0])],
  E: [path([4, 0], [0, 0], [0, 6], [4, 6]), path([0, 3], [3.2, 3])],
  F: [path([4, 0], [0, 0], [0, 6]), path([0, 3], [3.2, 3])],
  G: [path(arc(2, 2, 2, 2, 330, 180), arc(2, 4, 2, 2, 180, 0), [4, 3.2], [2.3, 3.2])],
  H: [path([0, 0], [0, 6]), path([4, 0], [4, 6]), path([0, 3], [4, 3])],
  I: [path([2, 0], [2, 6]), path([0.9, 0], [3.1, 0]), path([0.9, 6], [3.1, 6])],
  J: [path([4, 0], [4, 4], arc(2, 4, 2, 2, 0, 165))],
  K: [path([0, 0], [0, 6]), path([4, 0], [0, 4]), path([1.45, 2.55], [4, 6])],
  L: [path([0, 0], [0, 6], [4, 6])],
  M: [path([0, 6], [0, 0], [2, 3.6], [4, 0], [4, 6])],
  N: [path([0, 6], [0, 0], [4, 6], [4, 0])],
  O: [O_SHAPE],
  P: [path(...P_BOWL)],
  Q: [O_SHAPE, path([2.6, 4.4], [4.1, 6.1])],
  R: [path(...P_BOWL), path([2.2, 3.5], [4, 6])],
  S: [path(arc(2, 1.5, 2, 1.5, 340, 90), arc(2, 4.5, 2, 1.5, 270, 520))],
  T: [path([0, 0], [4, 0]), path([2, 0], [2, 6])],
  U: [path([0, 0], [0, 4], arc(2, 4, 2, 2, 180, 0), [4, 0])],
  V: [path([0, 0], [2, 6], [4, 0])],
  W: [path([0, 0], [1, 6], [2, 2], [3, 6], [4, 0])],
  X: [path([0, 0], [4, 6]), path([4, 0], [0, 6])],
  Y: [path([0, 0], [2, 3], [4, 0]), path([2, 3], [2, 6])],
  Z: [path([0, 0], [4, 0], [0, 6], [4, 6])],
  "0": [O_SHAPE, path([3.1, 1.3], [0.9, 4.7])],
  "1": [path([0.8, 1.3], [2.3, 0], [2.3, 6]), path([0.8, 6], [3.8, 6])],
  "2": [path(arc(2, 2, 2, 2, 200, 385), [0, 6], [4, 6])],
  "3": [path(arc(2, 1.5, 1.9, 1.5, 200, 450)), path(arc(2, 4.5, 2, 1.5, 270, 520))],
  "4": [path([3, 6], [3, 0], [0, 4.2], [4, 4.2])],
  "5": [path([3.8, 0], [0.4, 0], [0.2, 2.9]), path([0.2, 2.9], [2, 2.6], arc(2, 4.3, 2, 1.7, 270, 520))],
  "6": [path(arc(2, 4, 2, 2, 0, 360)), path([3.2, 0], [0.25, 3.3])],
  "7": [path([0, 0], [4, 0], [1.5, 6])],
  "8": [path(arc(2, 1.5, 1.7, 1.5, 0, 360)), path(arc(2, 4.4, 2, 1.6, 0, 360))],
  "9": [path(arc(2, 2, 2, 2, 0, 360)), path([3.75, 2.7], [0.8, 6])],
};

const GLYPH_WIDTH = 4;
const GLYPH_HEIGHT = 6;

function hslToRgb(h: number, s: number, l: number): [number, number, number] {
  const k = (n: number): number => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number): number => l - a * Math.max(-1, Math.min(k(n) - 3, Math.min(9 - k(n), 1)));
  return [Math.round(f(0) * 255), Math.round(f(8) * 255), Math.round(f(4) * 255)];
}

/** WCAG relative luminance of an sRGB colour (0 black … 1 white). */
function relativeLuminance([r, g, b]: [number, number, number]): number {
  const lin = (c: number): number => {
    const v = c / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** The placeholder's hue (0–359) for a bundle id. */
export function placeholderHue(bundleId: string): number {
  // A cryptographic hash spreads similar ids ("com.foo.a", "com.foo.b") over the whole wheel.
  return createHash("sha256").update(bundleId.toLowerCase()).digest().readUInt32BE(0) % 360;
}

/** Splits "AppInfoDemo", "my-app", "Über Tool" into words of drawable characters. */
function words(text: string): string[] {
  const ascii = text
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2");
  return ascii
    .toUpperCase()
    .split(/[^A-Z0-9]+/)
    .filter((w) => w !== "");
}

/**
 * One or two characters for the icon: the first letters of the first two
 * words of the name ("Ferry Beta" → "FB", "AppInfoDemo" → "AI", "Calculator" → "C"),
 * else from the last bundle id component, else "" (colour only).
 */
export function initialsFor(appName: string, bundleId = ""): string {
  for (const source of [appName, bundleId.split(".").pop() ?? ""]) {
    const w = words(source);
    if (w.length > 0)
      return w
        .slice(0, 2)
        .map((word) => word[0] ?? "")
        .join("");
  }
  return "";
}

function distanceToSegment(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  let t = len2 === 0 ? 0 : ((px - ax) * dx + (py - ay) * dy) / len2;
  t = Math.max(0, Math.min(1, t));
  const ex = px - (ax + t * dx);
  const ey = py - (ay + t * dy);
  return Math.sqrt(ex * ex + ey * ey);
}

export interface PlaceholderOptions {
  bundleId: string;
  appName: string;
  size: number;
}

/** Renders the placeholder as RGBA pixels (opaque). */
export function renderPlaceholderIcon({ bundleId, appName, size }: PlaceholderOptions): RgbaImage {
  if (!Number.isInteger(size) || size < 16 || size > 2048) throw new Error(`invalid placeholder size ${size}`);
  const hue = placeholderHue(bundleId);
  // Darken light hues (yellow, green, cyan) until white text keeps at least ~3:1 contrast.
  let lightness = 0.52;
  while (lightness > 0.25 && relativeLuminance(hslToRgb(hue, 0.6, lightness)) > 0.3) lightness -= 0.02;
  const top = hslToRgb(hue, 0.6, lightness);
  const bottom = hslToRgb((hue + 12) % 360, 0.62, lightness - 0.12);
  const data = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y++) {
    const t = y / (size - 1);
    const r = Math.round(top[0] + (bottom[0] - top[0]) * t);
    const g = Math.round(top[1] + (bottom[1] - top[1]) * t);
    const b = Math.round(top[2] + (bottom[2] - top[2]) * t);
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 4;
      data[i] = r;
      data[i + 1] = g;
      data[i + 2] = b;
      data[i + 3] = 255;
    }
  }

  const text = initialsFor(appName, bundleId);
  if (text === "") return { width: size, height: size, data };

  // Letter height ~40 % of the icon (a bit less for two letters so they fit side by side).
  const unit = (size * (text.length === 1 ? 0.44 : 0.38)) / GLYPH_HEIGHT;
  const halfStroke = unit * 0.5;
  const gap = unit * 1.7;
  const textWidth = text.length * GLYPH_WIDTH * unit + (text.length - 1) * gap;
  const originX = (size - textWidth) / 2;
  const originY = (size - GLYPH_HEIGHT * unit) / 2;

  // Coverage of the union of all strokes, with a one-pixel anti-aliased edge.
  const coverage = new Float32Array(size * size);
  [...text].forEach((ch, index) => {
    const strokes = GLYPHS[ch];
    if (!strokes) return;
    const gx = originX + index * (GLYPH_WIDTH + gap / unit) * unit;
    const segments: number[][] = [];
    for (const stroke of strokes) {
      for (let i = 1; i < stroke.length; i++) {
        const a = stroke[i - 1];
        const b = stroke[i];
        if (a && b) segments.push([gx + a[0] * unit, originY + a[1] * unit, gx + b[0] * unit, originY + b[1] * unit]);
      }
    }
    const pad = halfStroke + 1;
    const x0 = Math.max(0, Math.floor(gx - pad));
    const x1 = Math.min(size - 1, Math.ceil(gx + GLYPH_WIDTH * unit + pad));
    const y0 = Math.max(0, Math.floor(originY - pad));
    const y1 = Math.min(size - 1, Math.ceil(originY + GLYPH_HEIGHT * unit + pad));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        let d = Number.POSITIVE_INFINITY;
        for (const s of segments) {
          d = Math.min(d, distanceToSegment(x + 0.5, y + 0.5, s[0] ?? 0, s[1] ?? 0, s[2] ?? 0, s[3] ?? 0));
        }
        const c = Math.max(0, Math.min(1, halfStroke + 0.5 - d));
        const i = y * size + x;
        if (c > (coverage[i] ?? 0)) coverage[i] = c;
      }
    }
  });

  for (let i = 0; i < size * size; i++) {
    const c = coverage[i] ?? 0;
    if (c <= 0) continue;
    for (let k = 0; k < 3; k++) {
      const p = i * 4 + k;
      data[p] = Math.round((data[p] ?? 0) * (1 - c) + 255 * c);
    }
  }
  return { width: size, height: size, data };
}

/** The placeholder as a PNG file. */
export function placeholderIconPng(options: PlaceholderOptions): Buffer {
  return encodePng(renderPlaceholderIcon(options));
}
