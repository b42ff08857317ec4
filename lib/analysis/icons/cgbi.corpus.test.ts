import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deflateRawSync, deflateSync } from "node:zlib";
import { PNG } from "pngjs";
import { decodePng, isCgbiPng, PngDecodeError } from "@/lib/analysis/icons/cgbi";
import { encodePng } from "@/lib/analysis/icons/encode";
import { expectedIpas } from "@/lib/analysis/icons/icon-corpus";
import {
  cgbiToStandardContainer,
  distinctColours,
  ihdr,
  readChunks,
  writeChunks,
} from "@/lib/analysis/icons/icon-test-helpers";
import { readAppEntry } from "@/lib/analysis/ipa/analyze-ipa";
import { fixturePath } from "@/tests/helpers/fixtures";

const FAST_MS = 100;

function assertRejects(buf: Buffer, pattern: RegExp): void {
  assert.throws(
    () => decodePng(buf),
    (err: unknown) => {
      assert.ok(err instanceof PngDecodeError, `expected PngDecodeError, got ${String(err)}`);
      assert.match(err.message, pattern);
      return true;
    },
  );
}

/** A deterministic, busy test image (gradients, noise and a transparent band). */
function testImage(width: number, height: number, withAlpha: boolean): Buffer {
  const data = Buffer.alloc(width * height * 4);
  let seed = 12345;
  for (let i = 0; i < width * height; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const x = i % width;
    const y = Math.floor(i / width);
    data[i * 4] = (x * 7) & 0xff;
    data[i * 4 + 1] = (y * 5 + (seed >>> 24)) & 0xff;
    data[i * 4 + 2] = (x * y) & 0xff;
    data[i * 4 + 3] = withAlpha ? (y < 3 ? 0 : (seed >>> 16) & 0xff) : 255;
  }
  return data;
}

describe("decodePng on every icon PNG in the fixtures", () => {
  for (const [file, ipa] of Object.entries(expectedIpas)) {
    for (const [name, kind] of ipa.iconPngs) {
      it(`${file}: ${name}`, async () => {
        const buf = await readAppEntry(fixturePath("ipa", file), `${ipa.appDir}/${name}`, 5 << 20);
        assert.ok(buf);
        assert.equal(isCgbiPng(buf), kind === "CgBI");
        const img = decodePng(buf);
        assert.equal(img.cgbi, kind === "CgBI");
        assert.equal(img.data.length, img.width * img.height * 4);
        assert.ok(distinctColours(img.data) > 8, "not a blank image");

        // Independent reference: the same pixels through pngjs (premultiplied BGRA once CgBI is unwrapped).
        const ref = PNG.sync.read(cgbiToStandardContainer(buf));
        assert.equal(ref.width, img.width);
        assert.equal(ref.height, img.height);
        let opaque = 0;
        for (let i = 0; i < img.width * img.height; i++) {
          const [b, g, r, a] = [ref.data[i * 4], ref.data[i * 4 + 1], ref.data[i * 4 + 2], ref.data[i * 4 + 3]];
          const o = i * 4;
          assert.equal(img.data[o + 3], a, `alpha at pixel ${i}`);
          if (a === 255) {
            // Opaque pixels are only swapped, never rescaled.
            opaque++;
            assert.deepEqual([img.data[o], img.data[o + 1], img.data[o + 2]], [r, g, b], `pixel ${i}`);
          } else if (a !== undefined && a > 0) {
            // Re-premultiplying our straight colour must give back the stored value (±1 for rounding).
            for (const [ours, stored] of [
              [img.data[o] ?? 0, r ?? 0],
              [img.data[o + 1] ?? 0, g ?? 0],
              [img.data[o + 2] ?? 0, b ?? 0],
            ] as const) {
              assert.ok(
                Math.abs(Math.round((ours * a) / 255) - stored) <= 1,
                `pixel ${i}: ${ours}·${a}/255 vs ${stored}`,
              );
            }
          }
        }
        assert.ok(opaque > 0, "has opaque pixels");
      });
    }
  }

  it("puts BitBar's cyan where it belongs (channel order)", async () => {
    const ipa = expectedIpas["bitbar-test-samples--BitBarSampleApp.ipa"];
    assert.ok(ipa);
    const buf = await readAppEntry(
      fixturePath("ipa", "bitbar-test-samples--BitBarSampleApp.ipa"),
      `${ipa.appDir}/AppIcon60x60@2x.png`,
      5 << 20,
    );
    assert.ok(buf);
    const img = decodePng(buf);
    // Top-left corner is the cyan background: blue and green high, red low.
    const [r, g, b] = [img.data[0] ?? 0, img.data[1] ?? 0, img.data[2] ?? 0];
    assert.ok(b > 180 && g > 180 && r < 140, `corner is ${r},${g},${b}`);
  });
});

describe("decodePng on standard PNGs", () => {
  for (const colorType of [6, 2] as const) {
    it(`matches pngjs for colour type ${colorType} (all filters)`, () => {
      const width = 37;
      const height = 23;
      const data = testImage(width, height, colorType === 6);
      const png = new PNG({ width, height, colorType, inputHasAlpha: true });
      data.copy(png.data);
      // filterType -1 lets pngjs choose per row, so rows use several filters.
      const file = PNG.sync.write(png, { colorType, filterType: -1 });
      const img = decodePng(file);
      assert.equal(img.cgbi, false);
      const expected = Buffer.from(data);
      if (colorType === 2) for (let i = 3; i < expected.length; i += 4) expected[i] = 255;
      assert.ok(img.data.equals(expected));
    });
  }

  it("round-trips through encodePng and pngjs", () => {
    const width = 64;
    const height = 48;
    const data = testImage(width, height, true);
    const file = encodePng({ width, height, data });
    const ref = PNG.sync.read(file);
    assert.equal(ref.width, width);
    assert.ok(Buffer.from(ref.data).equals(data));
    assert.ok(decodePng(file).data.equals(data));
  });

  it("decodes a CgBI image built from known pixels", () => {
    // Premultiplied BGRA: straight (200, 100, 50, 128) premultiplies to (100, 50, 25).
    const raw = Buffer.from([0, 25, 50, 100, 128, 50, 100, 200, 255]);
    const file = writeChunks([
      { type: "CgBI", data: Buffer.from([0x50, 0x00, 0x20, 0x06]) },
      ihdr(2, 1),
      { type: "IDAT", data: deflateRawSync(raw) },
      { type: "IEND", data: Buffer.alloc(0) },
    ]);
    const img = decodePng(file);
    assert.equal(img.cgbi, true);
    assert.deepEqual([...img.data], [199, 100, 50, 128, 200, 100, 50, 255]);
  });
});

describe("hostile PNGs", () => {
  const iend = { type: "IEND", data: Buffer.alloc(0) };

  it("rejects a 100000×100000 header before inflating anything", () => {
    const bomb = writeChunks([
      ihdr(100_000, 100_000),
      { type: "IDAT", data: deflateSync(Buffer.alloc(1 << 20)) },
      iend,
    ]);
    const started = performance.now();
    assertRejects(bomb, /100000×100000, larger than/);
    assert.ok(performance.now() - started < FAST_MS);
  });

  it("rejects image data that inflates beyond what the header needs", () => {
    const file = writeChunks([ihdr(4, 4), { type: "IDAT", data: deflateSync(Buffer.alloc(50 << 20)) }, iend]);
    const started = performance.now();
    assertRejects(file, /inflates to more than/);
    assert.ok(performance.now() - started < 1000);
  });

  it("rejects truncated IDAT data (normal and CgBI)", () => {
    const good = encodePng({ width: 32, height: 32, data: testImage(32, 32, true) });
    const chunks = readChunks(good).map((c) =>
      c.type === "IDAT" ? { type: c.type, data: c.data.subarray(0, c.data.length >> 1) } : c,
    );
    assertRejects(writeChunks(chunks), /truncated or damaged/);

    const pixels = testImage(32, 32, true);
    const rows: Buffer[] = [];
    for (let y = 0; y < 32; y++) rows.push(Buffer.from([0]), pixels.subarray(y * 128, (y + 1) * 128));
    const stream = deflateRawSync(Buffer.concat(rows));
    const cut = { type: "IDAT", data: stream.subarray(0, stream.length >> 1) };
    const cgbi = [{ type: "CgBI", data: Buffer.alloc(4) }, ihdr(32, 32), cut, iend];
    assertRejects(writeChunks(cgbi), /truncated or damaged/);
  });

  it("rejects image data that ends early but inflates cleanly", () => {
    const file = writeChunks([ihdr(8, 8), { type: "IDAT", data: deflateSync(Buffer.alloc(10)) }, iend]);
    assertRejects(file, /truncated \(10 of/);
  });

  it("rejects a file cut in the middle of a chunk", () => {
    const good = encodePng({ width: 16, height: 16, data: testImage(16, 16, true) });
    assertRejects(good.subarray(0, good.length - 30), /truncated/);
    assertRejects(good.subarray(0, 20), /truncated/);
  });

  it("rejects a damaged CRC", () => {
    const bad = Buffer.from(encodePng({ width: 4, height: 4, data: testImage(4, 4, true) }));
    bad[44] = (bad[44] ?? 0) ^ 0xff;
    assertRejects(bad, /CRC/);
  });

  it("rejects unsupported formats with a clear reason", () => {
    const idat = { type: "IDAT", data: deflateSync(Buffer.alloc(10)) };
    assertRejects(writeChunks([ihdr(2, 2, 6, 16), idat, iend]), /bit depth 16/);
    assertRejects(writeChunks([ihdr(2, 2, 3), idat, iend]), /colour type 3/);
    assertRejects(writeChunks([ihdr(2, 2, 6, 8, 1), idat, iend]), /interlaced/);
    assertRejects(writeChunks([ihdr(0, 2), idat, iend]), /zero width/);
    assertRejects(Buffer.from("not a png at all"), /not a PNG/);
  });

  it("rejects an unknown row filter", () => {
    const raw = Buffer.from([9, 1, 2, 3, 4]);
    assertRejects(writeChunks([ihdr(1, 1), { type: "IDAT", data: deflateSync(raw) }, iend]), /unknown row filter 9/);
  });
});
