import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildBinary } from "plist";
import { PlistUid, parseBplist } from "@/lib/analysis/ipa/bplist";
import { bp, buildBplist } from "@/lib/analysis/ipa/test-helpers";

function raw(...bytes: number[]): Buffer {
  return Buffer.from(bytes);
}

describe("parseBplist: valid input", () => {
  it("parses every scalar type", () => {
    const date = Buffer.alloc(9);
    date[0] = 0x33;
    date.writeDoubleBE(0, 1); // 2001-01-01
    const real64 = Buffer.alloc(9);
    real64[0] = 0x23;
    real64.writeDoubleBE(1.5, 1);
    const real32 = Buffer.alloc(5);
    real32[0] = 0x22;
    real32.writeFloatBE(0.25, 1);
    const int8 = Buffer.alloc(9);
    int8[0] = 0x13;
    int8.writeBigInt64BE(-2n, 1);
    const int16 = Buffer.alloc(17);
    int16[0] = 0x14;
    int16.writeBigUInt64BE(1n, 1);
    int16.writeBigUInt64BE(0n, 9); // 2^64
    const objects = [
      bp.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]),
      raw(0x00), // 1 null
      raw(0x08), // 2 false
      raw(0x09), // 3 true
      raw(0x10, 0xff), // 4 int 1 byte
      raw(0x11, 0x01, 0x00), // 5 int 2 bytes
      bp.int(70_000), // 6 int 4 bytes
      int8, // 7 int 8 bytes, negative
      int16, // 8 int 16 bytes, beyond 2^53 -> bigint
      real64, // 9
      real32, // 10
      date, // 11
      raw(0x43, 0xde, 0xad, 0xbe), // 12 data
      bp.ascii("hello"), // 13
      bp.utf16("héllo ✓"), // 14
      raw(0x81, 0x01, 0x02), // 15 UID 0x0102
    ];
    const value = parseBplist(buildBplist(objects));
    assert.ok(Array.isArray(value));
    assert.deepEqual(value.slice(0, 10), [null, false, true, 255, 256, 70_000, -2, 18446744073709551616n, 1.5, 0.25]);
    assert.ok(value[10] instanceof Date);
    assert.equal(value[10].toISOString(), "2001-01-01T00:00:00.000Z");
    assert.ok(Buffer.isBuffer(value[11]));
    assert.deepEqual(value[11], Buffer.from([0xde, 0xad, 0xbe]));
    assert.equal(value[12], "hello");
    assert.equal(value[13], "héllo ✓");
    assert.ok(value[14] instanceof PlistUid);
    assert.equal(value[14].value, 0x0102);
  });

  it("parses dicts, sets, extended lengths and shared (non-cyclic) references", () => {
    const long = "x".repeat(40);
    const objects = [
      bp.dict([1, 2, 3], [4, 5, 6]),
      bp.ascii("name"),
      bp.ascii("list"),
      bp.ascii("same"),
      bp.ascii(long),
      raw(0xc2, 7, 7), // set -> array; the same object twice is not a cycle
      raw(0xa2, 7, 7),
      bp.ascii("leaf"),
    ];
    assert.deepEqual(parseBplist(buildBplist(objects)), { name: long, list: ["leaf", "leaf"], same: ["leaf", "leaf"] });
  });

  it("round-trips a document written by the plist package", () => {
    const doc = {
      CFBundleIdentifier: "com.example.app",
      CFBundleVersion: "42",
      UIDeviceFamily: [1, 2],
      Nested: { Deeper: { Flag: true, Count: 123_456_789, Ratio: 0.5, Name: "Ünïcödé ✓" } },
      Empty: [],
    };
    assert.deepEqual(parseBplist(Buffer.from(buildBinary(doc))), doc);
  });

  it("reads a __proto__ key as data without touching the prototype", () => {
    const value = parseBplist(buildBplist([bp.dict([1], [2]), bp.ascii("__proto__"), bp.ascii("x")]));
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.deepEqual(Object.keys(value ?? {}), ["__proto__"]);
  });
});

describe("parseBplist: hostile input", () => {
  const cases: Array<[string, () => Buffer, RegExp]> = [
    ["a missing header", () => Buffer.from("not a plist at all, definitely not a plist"), /header/],
    ["a file shorter than header + trailer", () => Buffer.from("bplist00abc"), /too short/],
    ["an array that contains itself", () => buildBplist([bp.array([0])]), /cycle/],
    ["an indirect cycle through a dict", () => buildBplist([bp.dict([1], [2]), bp.ascii("k"), bp.array([0])]), /cycle/],
    [
      "an object offset beyond the object area",
      () => buildBplist([bp.array([1]), bp.ascii("a")], { offsets: { 1: 60_000 } }),
      /offset .* out of range/,
    ],
    [
      "an offset table that points past the end of the file",
      () => buildBplist([bp.ascii("a")], { offsetTableOffset: 1_000_000n }),
      /offset table/,
    ],
    [
      "a huge declared object count",
      () => buildBplist([bp.ascii("a")], { numObjects: 1n << 62n }),
      /too large|offset table is too small/,
    ],
    ["a top object out of range", () => buildBplist([bp.ascii("a")], { top: 5 }), /top object/],
    ["an object reference out of range", () => buildBplist([bp.array([9])]), /reference 9 is out of range/],
    ["an invalid reference size", () => buildBplist([bp.ascii("a")], { refSize: 0 }), /reference size/],
    [
      "an invalid offset size",
      () => {
        const buf = buildBplist([bp.ascii("a")]);
        buf[buf.length - 32 + 6] = 9; // trailer byte 6: offset-table entry size
        return buf;
      },
      /offset size/,
    ],
    [
      "a string longer than the file",
      () => buildBplist([Buffer.concat([raw(0x5f, 0x12), Buffer.from([0x7f, 0xff, 0xff, 0xff]), Buffer.from("ab")])]),
      /past the end/,
    ],
    ["an array declaring 2^40 elements", () => buildBplist([raw(0xaf, 0x13, 0, 0, 1, 0, 0, 0, 0, 0)]), /past the end/],
    ["a non-string dict key", () => buildBplist([bp.dict([1], [1]), bp.int(3)]), /key is not a string/],
    ["an unknown marker", () => buildBplist([raw(0x70)]), /unsupported marker/],
  ];
  for (const [name, build, pattern] of cases) {
    it(`rejects ${name}`, () => {
      assert.throws(() => parseBplist(build()), pattern);
    });
  }

  it("caps exponential expansion of shared references", () => {
    // Each array holds its successor twice: 2^40 values if fully expanded.
    const objects: Buffer[] = [];
    for (let i = 0; i < 40; i++) objects.push(bp.array([i + 1, i + 1]));
    objects.push(bp.ascii("leaf"));
    // The cap's own error proves the walk stopped at its count, not after expanding 2^40 values (no clock needed).
    assert.throws(() => parseBplist(buildBplist(objects), { maxDepth: 1000 }), /more than \d+ objects/);
  });

  it("caps nesting depth", () => {
    const objects: Buffer[] = [];
    for (let i = 0; i < 200; i++) objects.push(bp.array([i + 1]));
    objects.push(bp.ascii("leaf"));
    assert.throws(() => parseBplist(buildBplist(objects)), /nesting deeper/);
  });
});
