/**
 * Writes an XML property list the way CoreFoundation does (what codesign's
 * CodeResources and Xcode's entitlements are written with): tab indentation,
 * dictionary keys sorted by UTF-16 code units, `<data>` as base64 on its own
 * lines, integral reals without a fraction. Byte-for-byte equality with
 * codesign's output depends on exactly this layout.
 */

export type PlistValue = string | number | boolean | Buffer | PlistReal | PlistValue[] | { [key: string]: PlistValue };

/** A number written as `<real>` (plain numbers are written as `<integer>`). */
export class PlistReal {
  constructor(readonly value: number) {}
}

const HEADER =
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
  '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n' +
  '<plist version="1.0">\n';

// CoreFoundation wraps base64 at 76 characters per line.
const BASE64_LINE = 76;

function escapeXml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** CFStringCompare without options: UTF-16 code unit order (what JavaScript's < does). */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function writeValue(value: PlistValue, depth: number, out: string[]): void {
  const indent = "\t".repeat(depth);
  if (typeof value === "string") out.push(`${indent}<string>${escapeXml(value)}</string>\n`);
  else if (typeof value === "boolean") out.push(`${indent}<${value}/>\n`);
  else if (typeof value === "number") out.push(`${indent}<integer>${Math.trunc(value)}</integer>\n`);
  else if (value instanceof PlistReal) out.push(`${indent}<real>${formatReal(value.value)}</real>\n`);
  else if (Buffer.isBuffer(value)) {
    const base64 = value.toString("base64");
    out.push(`${indent}<data>\n`);
    for (let at = 0; at < base64.length; at += BASE64_LINE) {
      out.push(`${indent}${base64.slice(at, at + BASE64_LINE)}\n`);
    }
    out.push(`${indent}</data>\n`);
  } else if (Array.isArray(value)) {
    if (value.length === 0) {
      out.push(`${indent}<array/>\n`);
      return;
    }
    out.push(`${indent}<array>\n`);
    for (const item of value) writeValue(item, depth + 1, out);
    out.push(`${indent}</array>\n`);
  } else {
    const keys = Object.keys(value).sort(compareKeys);
    if (keys.length === 0) {
      out.push(`${indent}<dict/>\n`);
      return;
    }
    out.push(`${indent}<dict>\n`);
    for (const key of keys) {
      out.push(`${indent}\t<key>${escapeXml(key)}</key>\n`);
      writeValue(value[key] as PlistValue, depth + 1, out);
    }
    out.push(`${indent}</dict>\n`);
  }
}

// CF prints reals with %.17g: integral values have no fraction ("1000"); the rule weights are all integral.
function formatReal(value: number): string {
  return String(value);
}

/** The whole XML document, UTF-8. */
export function writeXmlPlist(root: PlistValue): Buffer {
  const out: string[] = [HEADER];
  writeValue(root, 0, out);
  out.push("</plist>\n");
  return Buffer.from(out.join(""), "utf8");
}
