import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type ByteRange, parseByteRange } from "@/lib/download/byte-range";

const none: ByteRange = { kind: "none" };
const unsatisfiable: ByteRange = { kind: "unsatisfiable" };
const single = (start: number, end: number): ByteRange => ({ kind: "single", start, end });

function check(header: string | null | undefined, size: number, expected: ByteRange): void {
  assert.deepEqual(parseByteRange(header, size), expected, `${String(header)} @ ${size}`);
}

describe("parseByteRange", () => {
  it("returns none without a header", () => {
    check(null, 100, none);
    check(undefined, 100, none);
    check("", 100, none);
  });

  it("parses closed ranges and clamps the end", () => {
    check("bytes=0-0", 100, single(0, 0));
    check("bytes=0-99", 100, single(0, 99));
    check("bytes=10-20", 100, single(10, 20));
    check("bytes=99-99", 100, single(99, 99));
    check("bytes=50-1000", 100, single(50, 99));
    check("bytes=0-99999999999999999999999", 100, single(0, 99));
  });

  it("parses open-ended ranges", () => {
    check("bytes=0-", 100, single(0, 99));
    check("bytes=99-", 100, single(99, 99));
    check("bytes=42-", 100, single(42, 99));
  });

  it("parses suffix ranges", () => {
    check("bytes=-1", 100, single(99, 99));
    check("bytes=-10", 100, single(90, 99));
    check("bytes=-100", 100, single(0, 99));
    check("bytes=-1000", 100, single(0, 99));
    check("bytes=-99999999999999999999999", 100, single(0, 99));
  });

  it("reports ranges starting at or past the end as unsatisfiable", () => {
    check("bytes=100-", 100, unsatisfiable);
    check("bytes=100-200", 100, unsatisfiable);
    check("bytes=500-600", 100, unsatisfiable);
    check("bytes=99999999999999999999999-", 100, unsatisfiable);
    check("bytes=-0", 100, unsatisfiable);
  });

  it("is tolerant of case and whitespace around the list", () => {
    check("Bytes=1-2", 100, single(1, 2));
    check("BYTES = 1-2 ", 100, single(1, 2));
    check("bytes=1-2,", 100, single(1, 2));
    check("bytes=, 1-2", 100, single(1, 2));
  });

  it("serves the full body for multi-range requests", () => {
    check("bytes=0-1,5-6", 100, none);
    check("bytes=0-1, -5", 100, none);
    check("bytes=200-300,400-500", 100, none);
  });

  it("ignores malformed headers", () => {
    for (const header of [
      "bytes",
      "bytes=",
      "bytes=-",
      "bytes=a-b",
      "bytes=1-a",
      "bytes=1.5-2",
      "bytes=+1-2",
      "bytes=-+1",
      "bytes=0x10-",
      "bytes=5-1",
      "bytes=1 - 2",
      "bytes=1-2-3",
      "items=0-1",
      "=0-1",
      "0-1",
      "bytes=,",
    ]) {
      check(header, 100, none);
    }
  });

  it("handles an empty representation", () => {
    check(null, 0, none);
    check("bytes=0-", 0, unsatisfiable);
    check("bytes=0-0", 0, unsatisfiable);
    check("bytes=-5", 0, none);
    check("bytes=-0", 0, unsatisfiable);
  });

  it("handles a one-byte representation", () => {
    check("bytes=0-", 1, single(0, 0));
    check("bytes=-1", 1, single(0, 0));
    check("bytes=-2", 1, single(0, 0));
    check("bytes=1-", 1, unsatisfiable);
  });

  it("works with sizes above 4 GiB", () => {
    const size = 5 * 1024 ** 3;
    check("bytes=4294967296-", size, single(4294967296, size - 1));
    check("bytes=-1", size, single(size - 1, size - 1));
  });

  it("rejects invalid sizes", () => {
    assert.throws(() => parseByteRange("bytes=0-", -1), RangeError);
    assert.throws(() => parseByteRange("bytes=0-", 1.5), RangeError);
    assert.throws(() => parseByteRange("bytes=0-", Number.NaN), RangeError);
  });
});
