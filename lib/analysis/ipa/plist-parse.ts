import { parse as parseXmlPlist } from "plist";
import { isBinaryPlist, parseBplist } from "@/lib/analysis/ipa/bplist";

export type PlistFormat = "binary" | "xml";

const MAX_XML_DEPTH = 128;

/** Which plist encoding `buf` uses, or null if it is neither (we refuse OpenStep and others). */
export function detectPlistFormat(buf: Uint8Array): PlistFormat | null {
  if (isBinaryPlist(buf)) return "binary";
  const head = xmlText(buf.subarray(0, 512)).trimStart();
  if (head.startsWith("<?xml") || head.startsWith("<plist") || head.startsWith("<!DOCTYPE plist")) return "xml";
  return null;
}

/** Decodes UTF-8, dropping a leading byte-order mark. */
function xmlText(buf: Uint8Array): string {
  const hasBom = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf;
  return Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString("utf8", hasBom ? 3 : 0);
}

/**
 * Parses a binary (`bplist00`) or XML property list. Throws a plain Error for
 * anything else or for malformed input; callers map it to their own code.
 * Data values come back as Buffer and dates as Date in both formats.
 */
export function parsePlist(buf: Buffer): unknown {
  const format = detectPlistFormat(buf);
  if (format === "binary") return parseBplist(buf);
  if (format === "xml") {
    // A string, never bytes: the plist package treats bytes as a binary plist.
    return normalizeXmlValue(parseXmlPlist(xmlText(buf)), 0);
  }
  throw new Error("not a property list (neither bplist00 nor XML)");
}

/** The plist package returns Uint8Array for <data>; make it a Buffer like our binary parser. */
function normalizeXmlValue(value: unknown, depth: number): unknown {
  if (depth > MAX_XML_DEPTH) throw new Error(`XML plist nests deeper than ${MAX_XML_DEPTH} levels`);
  if (value instanceof Uint8Array && !Buffer.isBuffer(value)) {
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }
  if (Array.isArray(value)) {
    const items: unknown[] = value;
    return items.map((item) => normalizeXmlValue(item, depth + 1));
  }
  if (value !== null && typeof value === "object" && !(value instanceof Date) && !Buffer.isBuffer(value)) {
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(value, key, {
        value: normalizeXmlValue(item, depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return value;
}
