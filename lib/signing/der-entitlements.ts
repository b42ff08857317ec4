import { isPlistDict } from "@/lib/analysis/ipa/plist-dict";
import { parsePlist } from "@/lib/analysis/ipa/plist-parse";
import { CSMAGIC, wrapBlob } from "@/lib/verify/signature-blobs";

/**
 * The DER form of entitlements (special slot −7), which iOS 15+ reads instead
 * of the XML. A dictionary is a SET OF SEQUENCE { UTF8String key, value }
 * an array a SEQUENCE, a string a UTF8String, a boolean a BOOLEAN, an
 * integer an INTEGER. Two forms exist:
 *   - "set" (codesign of Xcode 12.5–12.x; what the fixtures carry): every
 *     dictionary a SET sorted by encoding (DER's SET OF order), true as 0x01;
 *   - "versioned" (codesign since Xcode 13, CoreEntitlements):
 *     [APPLICATION 16] { INTEGER 1, dictionary }, every dictionary a
 *     [CONTEXT 16] sorted by key, true as DER's 0xff (BitBarSampleApp's
 *     fixture carries it).
 */
export type DerEntitlementsForm = "set" | "versioned";

export class EntitlementsEncodingError extends Error {}

function lengthBytes(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), lengthBytes(content.length), content]);
}

function integer(value: bigint): Buffer {
  // Two's complement, minimal length.
  const bytes: number[] = [];
  let rest = value;
  do {
    bytes.unshift(Number(BigInt.asUintN(8, rest)));
    rest >>= 8n;
  } while (!((rest === 0n && (bytes[0] as number) < 0x80) || (rest === -1n && (bytes[0] as number) >= 0x80)));
  return tlv(0x02, Buffer.from(bytes));
}

function encodeValue(value: unknown, form: DerEntitlementsForm, depth: number): Buffer {
  if (depth > 32) throw new EntitlementsEncodingError("entitlements nest too deeply");
  if (typeof value === "boolean") return tlv(0x01, Buffer.from([value ? (form === "set" ? 1 : 0xff) : 0]));
  if (typeof value === "string") return tlv(0x0c, Buffer.from(value, "utf8"));
  if (typeof value === "bigint") return integer(value);
  if (typeof value === "number") {
    if (!Number.isInteger(value)) throw new EntitlementsEncodingError("real numbers have no DER entitlement form");
    return integer(BigInt(value));
  }
  if (Array.isArray(value)) return tlv(0x30, Buffer.concat(value.map((v) => encodeValue(v, form, depth + 1))));
  if (isPlistDict(value)) {
    const keys = Object.keys(value).sort((a, b) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8")));
    const entries = keys.map((key) =>
      tlv(0x30, Buffer.concat([tlv(0x0c, Buffer.from(key, "utf8")), encodeValue(value[key], form, depth + 1)])),
    );
    if (form === "set") entries.sort(Buffer.compare);
    return tlv(form === "set" ? 0x31 : 0xb0, Buffer.concat(entries));
  }
  throw new EntitlementsEncodingError(`entitlements hold a value DER entitlements cannot carry (${typeof value})`);
}

/** The DER entitlements payload of an XML entitlements plist. */
export function derEntitlements(xml: Buffer, form: DerEntitlementsForm = "versioned"): Buffer {
  const plist = parsePlist(xml);
  if (!isPlistDict(plist)) throw new EntitlementsEncodingError("the entitlements are not a dictionary");
  if (form === "set") return encodeValue(plist, form, 0);
  return tlv(0x70, Buffer.concat([integer(1n), encodeValue(plist, form, 0)]));
}

/** The XML entitlements blob (slot 5). */
export function entitlementsBlob(xml: Buffer): Buffer {
  return wrapBlob(CSMAGIC.EMBEDDED_ENTITLEMENTS, xml);
}

/** The DER entitlements blob (slot 7). */
export function derEntitlementsBlob(xml: Buffer, form: DerEntitlementsForm = "versioned"): Buffer {
  return wrapBlob(CSMAGIC.EMBEDDED_DER_ENTITLEMENTS, derEntitlements(xml, form));
}

/** Which form an existing DER entitlements blob was written in. */
export function derEntitlementsFormOf(blob: Buffer): DerEntitlementsForm {
  return blob[8] === 0x70 ? "versioned" : "set";
}
