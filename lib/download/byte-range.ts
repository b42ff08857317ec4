/**
 * `Range` header parsing for byte-range downloads (RFC 9110 §14).
 *
 * Only a single range is honoured. Multi-range requests get the full body
 * (`none`): RFC 9110 lets a server ignore Range, and multipart/byteranges
 * buys nothing for .ipa downloads. Malformed or non-byte ranges are likewise
 * ignored rather than rejected, as the RFC requires.
 */

export type ByteRange = { kind: "none" } | { kind: "single"; start: number; end: number } | { kind: "unsatisfiable" };

const NONE: ByteRange = { kind: "none" };
const UNSATISFIABLE: ByteRange = { kind: "unsatisfiable" };
const RANGE_SPEC = /^(\d*)-(\d*)$/;

/**
 * @param header the raw `Range` header value (null/undefined when absent)
 * @param size   the representation's length in bytes
 * @returns `single` with inclusive `start`/`end` (end clamped to size - 1)
 */
export function parseByteRange(header: string | null | undefined, size: number): ByteRange {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new RangeError(`Invalid representation size: ${String(size)}`);
  }
  if (typeof header !== "string") return NONE;

  const equals = header.indexOf("=");
  if (equals === -1) return NONE;
  // Range units are case-insensitive; anything but bytes is ignored.
  if (header.slice(0, equals).trim().toLowerCase() !== "bytes") return NONE;

  // The list syntax allows empty elements ("bytes=0-1,"), which don't count.
  const specs = header
    .slice(equals + 1)
    .split(",")
    .map((spec) => spec.trim())
    .filter((spec) => spec.length > 0);
  if (specs.length !== 1) return NONE;

  const match = RANGE_SPEC.exec(specs[0] ?? "");
  if (match === null) return NONE;
  const [, first = "", last = ""] = match;

  if (first === "") {
    if (last === "") return NONE; // "bytes=-"
    // Suffix range: the last N bytes. Number() of a huge digit string is a
    // large or infinite float, which still compares correctly below.
    const suffix = Number(last);
    if (suffix === 0) return UNSATISFIABLE;
    // An empty file has no last byte to point at; serve the (empty) whole.
    if (size === 0) return NONE;
    return { kind: "single", start: Math.max(0, size - suffix), end: size - 1 };
  }

  const start = Number(first);
  if (last !== "") {
    const end = Number(last);
    if (end < start) return NONE; // invalid range-spec → ignore the header
    if (start >= size) return UNSATISFIABLE;
    return { kind: "single", start, end: Math.min(end, size - 1) };
  }
  if (start >= size) return UNSATISFIABLE;
  return { kind: "single", start, end: size - 1 };
}
