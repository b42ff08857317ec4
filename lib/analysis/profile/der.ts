/**
 * A small, bounds-checked reader for DER (and the BER subset CMS producers use:
 * indefinite lengths and constructed OCTET STRINGs). It only locates elements
 * inside the caller's buffer; it never copies or decodes values it is not asked for.
 * Every length is checked against the buffer, and nesting depth is capped so
 * hostile input cannot recurse without bound.
 */

export class DerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DerError";
  }
}

export const TAG_CLASS_UNIVERSAL = 0;
export const TAG_CLASS_CONTEXT = 2;

export const TAG_INTEGER = 2;
export const TAG_OCTET_STRING = 4;
export const TAG_OID = 6;
export const TAG_SEQUENCE = 16;
export const TAG_SET = 17;
export const TAG_UTC_TIME = 23;
export const TAG_GENERALIZED_TIME = 24;

/** Profiles nest a handful of levels; certificates a dozen or so. */
export const MAX_DER_DEPTH = 64;
/** Caps the children listed for one element (a SET of certificates holds a few). */
const MAX_CHILDREN = 10_000;

export interface DerElement {
  tagClass: number;
  constructed: boolean;
  tagNumber: number;
  /** Offset of the first identifier byte. */
  start: number;
  /** Offset of the first content byte. */
  contentStart: number;
  /** Offset just past the content (before the end-of-contents octets when indefinite). */
  contentEnd: number;
  /** Offset just past the whole element. */
  end: number;
  indefinite: boolean;
}

/** Reads the element starting at `offset`, not going past `limit`. */
export function readElement(buf: Uint8Array, offset: number, limit = buf.length, depth = 0): DerElement {
  if (depth > MAX_DER_DEPTH) throw new DerError(`DER nests deeper than ${MAX_DER_DEPTH} levels`);
  if (limit > buf.length) throw new DerError("DER limit lies past the end of the buffer");
  let pos = offset;
  const byte = (): number => {
    if (pos >= limit) throw new DerError(`DER element at offset ${offset} is truncated`);
    const b = buf[pos];
    if (b === undefined) throw new DerError(`DER element at offset ${offset} is truncated`);
    pos += 1;
    return b;
  };

  const first = byte();
  const tagClass = first >> 6;
  const constructed = (first & 0x20) !== 0;
  let tagNumber = first & 0x1f;
  if (tagNumber === 0x1f) {
    // High tag number form: base-128 digits; four of them is far beyond anything CMS uses.
    tagNumber = 0;
    for (let i = 0; ; i++) {
      if (i >= 4) throw new DerError(`DER tag at offset ${offset} is too long`);
      const b = byte();
      tagNumber = tagNumber * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) break;
    }
  }

  const lenByte = byte();
  if (lenByte === 0x80) {
    // Indefinite length (BER): only constructed encodings may use it; walk children to the 00 00 marker.
    if (!constructed) throw new DerError(`primitive DER element at offset ${offset} has an indefinite length`);
    const contentStart = pos;
    let cursor = contentStart;
    let count = 0;
    for (;;) {
      if (cursor + 2 > limit) throw new DerError(`indefinite-length element at offset ${offset} has no end marker`);
      if (buf[cursor] === 0 && buf[cursor + 1] === 0) {
        return {
          tagClass,
          constructed,
          tagNumber,
          start: offset,
          contentStart,
          contentEnd: cursor,
          end: cursor + 2,
          indefinite: true,
        };
      }
      if (++count > MAX_CHILDREN) throw new DerError(`DER element at offset ${offset} has too many children`);
      cursor = readElement(buf, cursor, limit, depth + 1).end;
    }
  }

  let length: number;
  if (lenByte < 0x80) {
    length = lenByte;
  } else {
    const n = lenByte & 0x7f;
    // Four length bytes address 4 GiB, far more than the inputs we accept.
    if (n > 4) throw new DerError(`DER length at offset ${offset} uses ${n} bytes`);
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + byte();
  }
  const contentStart = pos;
  const contentEnd = contentStart + length;
  if (contentEnd > limit) {
    throw new DerError(
      `DER element at offset ${offset} declares ${length} bytes but only ${limit - contentStart} remain`,
    );
  }
  return {
    tagClass,
    constructed,
    tagNumber,
    start: offset,
    contentStart,
    contentEnd,
    end: contentEnd,
    indefinite: false,
  };
}

/** The direct children of a constructed element. */
export function children(buf: Uint8Array, el: DerElement, depth = 0): DerElement[] {
  if (!el.constructed) throw new DerError(`DER element at offset ${el.start} is not constructed`);
  const out: DerElement[] = [];
  let cursor = el.contentStart;
  while (cursor < el.contentEnd) {
    if (out.length >= MAX_CHILDREN) throw new DerError(`DER element at offset ${el.start} has too many children`);
    const child = readElement(buf, cursor, el.contentEnd, depth + 1);
    out.push(child);
    cursor = child.end;
  }
  return out;
}

export function isUniversal(el: DerElement | undefined, tagNumber: number): el is DerElement {
  return el !== undefined && el.tagClass === TAG_CLASS_UNIVERSAL && el.tagNumber === tagNumber;
}

export function isContext(el: DerElement | undefined, tagNumber: number): el is DerElement {
  return el !== undefined && el.tagClass === TAG_CLASS_CONTEXT && el.tagNumber === tagNumber;
}

/** Asserts a universal tag and returns the element, for terse structural parsing. */
export function expectUniversal(el: DerElement | undefined, tagNumber: number, what: string): DerElement {
  if (!isUniversal(el, tagNumber)) throw new DerError(`expected ${what}`);
  return el;
}

export function content(buf: Uint8Array, el: DerElement): Buffer {
  return Buffer.from(buf.buffer, buf.byteOffset + el.contentStart, el.contentEnd - el.contentStart);
}

/** The whole encoding of an element (identifier, length, content). */
export function encoding(buf: Uint8Array, el: DerElement): Buffer {
  return Buffer.from(buf.buffer, buf.byteOffset + el.start, el.end - el.start);
}

/** Dotted-decimal form of an OBJECT IDENTIFIER. */
export function readOid(buf: Uint8Array, el: DerElement): string {
  if (!isUniversal(el, TAG_OID) || el.constructed) throw new DerError("expected an OBJECT IDENTIFIER");
  const bytes = content(buf, el);
  if (bytes.length === 0 || bytes.length > 64) throw new DerError("OBJECT IDENTIFIER has an invalid length");
  const arcs: number[] = [];
  let value = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] ?? 0;
    value = value * 128 + (b & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) throw new DerError("OBJECT IDENTIFIER arc is too large");
    if ((b & 0x80) === 0) {
      if (arcs.length === 0) {
        const firstArc = value < 40 ? 0 : value < 80 ? 1 : 2;
        arcs.push(firstArc, value - firstArc * 40);
      } else {
        arcs.push(value);
      }
      value = 0;
    } else if (i === bytes.length - 1) {
      throw new DerError("OBJECT IDENTIFIER is truncated");
    }
  }
  return arcs.join(".");
}

/**
 * The value of an OCTET STRING, concatenating the chunks of a constructed
 * (BER) encoding, which may themselves be constructed.
 */
export function readOctetString(buf: Uint8Array, el: DerElement, depth = 0): Buffer {
  if (!isUniversal(el, TAG_OCTET_STRING)) throw new DerError("expected an OCTET STRING");
  if (!el.constructed) return content(buf, el);
  if (depth > MAX_DER_DEPTH) throw new DerError(`DER nests deeper than ${MAX_DER_DEPTH} levels`);
  return Buffer.concat(children(buf, el, depth).map((chunk) => readOctetString(buf, chunk, depth + 1)));
}

/** UTCTime or GeneralizedTime (the forms X.509 and CMS use: ...Z) as a Date. */
export function readTime(buf: Uint8Array, el: DerElement): Date {
  const text = content(buf, el).toString("latin1");
  let m: RegExpExecArray | null;
  if (isUniversal(el, TAG_UTC_TIME)) {
    m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?Z$/.exec(text);
    if (!m) throw new DerError("malformed UTCTime");
    const yy = Number(m[1]);
    // RFC 5280: two-digit years 50-99 are 19xx, 00-49 are 20xx.
    return utc(yy >= 50 ? 1900 + yy : 2000 + yy, m[2], m[3], m[4], m[5], m[6]);
  }
  if (isUniversal(el, TAG_GENERALIZED_TIME)) {
    m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(?:\.\d+)?Z$/.exec(text);
    if (!m) throw new DerError("malformed GeneralizedTime");
    return utc(Number(m[1]), m[2], m[3], m[4], m[5], m[6]);
  }
  throw new DerError("expected a UTCTime or GeneralizedTime");
}

function utc(year: number, mo?: string, d?: string, h?: string, mi?: string, s?: string): Date {
  return new Date(Date.UTC(year, Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? "0")));
}
