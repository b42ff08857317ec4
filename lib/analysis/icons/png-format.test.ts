import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PNG } from "pngjs";
import { encodePng } from "@/lib/analysis/icons/encode";
import { PNG_SIGNATURE, paeth } from "@/lib/analysis/icons/png-format";

describe("paeth", () => {
  // [left a, up b, upper-left c, expected]
  const cases: [number, number, number, number][] = [
    [0, 0, 0, 0],
    [20, 10, 10, 20], // p = 20: a exactly
    [10, 20, 10, 20], // p = 20: b exactly
    [50, 60, 55, 55], // p = 55: c exactly
    [10, 10, 20, 10], // a and b tie: a wins
    [0, 30, 10, 30], // b and c tie (both 10 from p = 20), a further: b wins
    [255, 0, 255, 0], // p = 0
    [0, 255, 0, 255],
  ];
  for (const [a, b, c, expected] of cases) {
    it(`paeth(${a}, ${b}, ${c}) = ${expected}`, () => assert.equal(paeth(a, b, c), expected));
  }
});

describe("PNG_SIGNATURE", () => {
  it("starts what encodePng writes, and a PNG library reads that image", () => {
    const img = { width: 3, height: 2, data: Buffer.from(Array.from({ length: 24 }, (_, i) => (i * 37) & 0xff)) };
    const png = encodePng(img);
    assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE);
    assert.deepEqual(PNG.sync.read(png).data, img.data);
  });
});
