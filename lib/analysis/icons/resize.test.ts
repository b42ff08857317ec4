import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PNG } from "pngjs";
import type { RgbaImage } from "@/lib/analysis/icons/cgbi";
import { encodePng } from "@/lib/analysis/icons/encode";
import { distinctColours, maxAlpha } from "@/lib/analysis/icons/icon-test-helpers";
import {
  initialsFor,
  placeholderHue,
  placeholderIconPng,
  renderPlaceholderIcon,
} from "@/lib/analysis/icons/placeholder";
import { resizeRgba, resizeToSquare } from "@/lib/analysis/icons/resize";

function solid(width: number, height: number, rgba: [number, number, number, number]): RgbaImage {
  const data = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set(rgba, i * 4);
  return { width, height, data };
}

function pixel(img: RgbaImage, x: number, y: number): number[] {
  const i = (y * img.width + x) * 4;
  return [...img.data.subarray(i, i + 4)];
}

describe("resizeRgba", () => {
  it("keeps a uniform colour uniform when shrinking and enlarging", () => {
    const img = solid(120, 120, [10, 200, 30, 255]);
    for (const size of [57, 512]) {
      const out = resizeRgba(img, size, size);
      assert.equal(out.data.length, size * size * 4);
      assert.equal(distinctColours(out.data), 1);
      assert.deepEqual(pixel(out, 3, 5), [10, 200, 30, 255]);
    }
  });

  it("averages areas when shrinking", () => {
    // 2×2 checker of black and white → one mid-grey pixel.
    const img: RgbaImage = {
      width: 2,
      height: 2,
      data: Buffer.from([0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 0, 255]),
    };
    assert.deepEqual(pixel(resizeRgba(img, 1, 1), 0, 0), [128, 128, 128, 255]);
    // 3 → 2 uses fractional coverage: [0, 90, 180] → [30, 150].
    const row: RgbaImage = {
      width: 3,
      height: 1,
      data: Buffer.from([0, 0, 0, 255, 90, 90, 90, 255, 180, 180, 180, 255]),
    };
    const out = resizeRgba(row, 2, 1);
    assert.deepEqual([pixel(out, 0, 0)[0], pixel(out, 1, 0)[0]], [30, 150]);
  });

  it("does not bleed the colour of transparent pixels (premultiplied averaging)", () => {
    // Left: fully transparent "red" (invisible); right: opaque blue.
    const img: RgbaImage = { width: 2, height: 1, data: Buffer.from([255, 0, 0, 0, 0, 0, 255, 255]) };
    assert.deepEqual(pixel(resizeRgba(img, 1, 1), 0, 0), [0, 0, 255, 128]);
  });

  it("interpolates when enlarging and keeps the exact size", () => {
    const img: RgbaImage = { width: 2, height: 1, data: Buffer.from([0, 0, 0, 255, 200, 200, 200, 255]) };
    const out = resizeRgba(img, 4, 1);
    assert.deepEqual(
      [0, 1, 2, 3].map((x) => pixel(out, x, 0)[0]),
      [0, 50, 150, 200],
    );
  });

  it("fits non-square images into a square, centred on transparency", () => {
    const out = resizeToSquare(solid(100, 50, [255, 0, 0, 255]), 10);
    assert.equal(out.width, 10);
    assert.equal(out.height, 10);
    assert.deepEqual(pixel(out, 5, 0), [0, 0, 0, 0]);
    assert.deepEqual(pixel(out, 5, 5), [255, 0, 0, 255]);
  });

  it("rejects silly target sizes", () => {
    assert.throws(() => resizeRgba(solid(2, 2, [0, 0, 0, 255]), 0, 10));
    assert.throws(() => resizeRgba(solid(2, 2, [0, 0, 0, 255]), 100_000, 10));
  });
});

describe("placeholder icon", () => {
  it("is a standard PNG of the requested size with drawn initials", () => {
    for (const size of [57, 512]) {
      const png = PNG.sync.read(placeholderIconPng({ bundleId: "com.example.ferry", appName: "Ferry Beta", size }));
      assert.equal(png.width, size);
      assert.equal(png.height, size);
      const data = Buffer.from(png.data);
      assert.equal(maxAlpha(data), 255);
      assert.ok(distinctColours(data) > 8, "not uniform: gradient and anti-aliased letters");
      // White letter pixels exist in the middle band.
      let white = 0;
      for (let i = 0; i < data.length; i += 4)
        if (data[i] === 255 && data[i + 1] === 255 && data[i + 2] === 255) white++;
      assert.ok(white > size * size * 0.02, `${white} white pixels at ${size}`);
    }
  });

  it("is deterministic and coloured by bundle id", () => {
    const a = placeholderIconPng({ bundleId: "com.example.a", appName: "Test", size: 57 });
    assert.ok(a.equals(placeholderIconPng({ bundleId: "com.example.a", appName: "Test", size: 57 })));
    assert.notEqual(placeholderHue("com.example.a"), placeholderHue("com.example.b"));
    const one = renderPlaceholderIcon({ bundleId: "com.example.a", appName: "", size: 57 });
    const two = renderPlaceholderIcon({ bundleId: "com.example.b", appName: "", size: 57 });
    assert.notDeepEqual(pixel(one, 0, 0), pixel(two, 0, 0));
  });

  it("picks readable initials", () => {
    assert.equal(initialsFor("Ferry Beta"), "FB");
    assert.equal(initialsFor("AppInfoDemo"), "AI");
    assert.equal(initialsFor("calculator"), "C");
    assert.equal(initialsFor("Über-tool 2"), "UT");
    assert.equal(initialsFor("日本語", "com.example.shop"), "S");
    assert.equal(initialsFor("日本語", "日本"), "");
  });

  it("draws colour only when there is nothing to spell", () => {
    const img = renderPlaceholderIcon({ bundleId: "日本", appName: "日本語", size: 57 });
    let white = 0;
    for (let i = 0; i < img.data.length; i += 4) if (img.data[i] === 255 && img.data[i + 1] === 255) white++;
    assert.equal(white, 0);
  });
});

describe("encodePng", () => {
  it("writes what pngjs reads back exactly", () => {
    const img = resizeToSquare(solid(3, 3, [1, 2, 3, 4]), 57);
    const back = PNG.sync.read(encodePng(img));
    assert.ok(Buffer.from(back.data).equals(img.data));
  });

  it("refuses a buffer that does not match the size", () => {
    assert.throws(() => encodePng({ width: 2, height: 2, data: Buffer.alloc(3) }));
  });
});
