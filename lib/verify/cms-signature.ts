import { createHash, webcrypto, X509Certificate } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { parsePlist } from "@/lib/analysis/ipa/plist-parse";
import { CMS_OID } from "@/lib/verify/cms-oids";
import { type CodeDirectory, cdhashOf, HASH_TYPES } from "@/lib/verify/signature-blobs";

/**
 * The CMS (RFC 5652) signature of a code signature, checked with pkijs: Apple
 * signs the bytes of the primary CodeDirectory (slot 0) as detached content;
 * the signed attributes carry its digest and, when there are several
 * directories, Apple's CDHashes (a plist of truncated cdhashes) and CDHashes2
 * (algorithm + full digest per directory) attributes, which bind the
 * alternates. The certificate chain is judged by the caller (trust-roots.ts).
 */

const OID = CMS_OID;

const DIGEST_OIDS: Record<string, string> = {
  "1.3.14.3.2.26": "sha1",
  "2.16.840.1.101.3.4.2.1": "sha256",
  "2.16.840.1.101.3.4.2.2": "sha384",
  "2.16.840.1.101.3.4.2.3": "sha512",
};

const engine = new pkijs.CryptoEngine({ name: "node", crypto: webcrypto as unknown as Crypto });

export interface CmsCheck {
  /** Why the CMS does not vouch for these directories; empty when it does. */
  problems: string[];
  signer: X509Certificate | null;
  /** Every certificate the envelope carries (intermediates, often the root). */
  certificates: X509Certificate[];
  signingTime: Date | null;
  digestAlgorithm: string | null;
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

function octets(value: unknown): Buffer | null {
  return value instanceof asn1js.OctetString ? Buffer.from(value.valueBlock.valueHexView) : null;
}

/** Removes the `certificates [0]` field from a SignedData SEQUENCE and returns each certificate's DER. */
function takeCertificates(signedData: unknown): Buffer[] {
  if (!(signedData instanceof asn1js.Sequence)) return [];
  const fields = signedData.valueBlock.value;
  const index = fields.findIndex((f) => f.idBlock.tagClass === 3 && f.idBlock.tagNumber === 0);
  const field = fields[index];
  if (!field || !(field instanceof asn1js.Constructed)) return [];
  fields.splice(index, 1);
  return field.valueBlock.value.map((cert) => Buffer.from(cert.valueBeforeDecodeView));
}

// Signing certificates are few (one per team, plus Apple's intermediates and roots): a small cache.
const CERTIFICATE_CACHE_SIZE = 64;
const certificateCache = new Map<string, { pkijs: pkijs.Certificate; x509: X509Certificate }>();

function parsedCertificate(der: Buffer): { pkijs: pkijs.Certificate; x509: X509Certificate } {
  const key = createHash("sha256").update(der).digest("hex");
  const cached = certificateCache.get(key);
  if (cached) return cached;
  // Both parsers must accept it; either throwing makes the CMS unreadable.
  const parsed = { pkijs: pkijs.Certificate.fromBER(toArrayBuffer(der)), x509: new X509Certificate(der) };
  if (certificateCache.size >= CERTIFICATE_CACHE_SIZE) certificateCache.clear();
  certificateCache.set(key, parsed);
  return parsed;
}

function digest(algorithm: string, data: Uint8Array): Buffer {
  return createHash(algorithm).update(data).digest();
}

/** Checks `cms` (the BLOBWRAPPER payload) against the signature's directories, slot 0 first. */
export async function verifyCmsSignature(cms: Buffer, directories: CodeDirectory[]): Promise<CmsCheck> {
  const check: CmsCheck = { problems: [], signer: null, certificates: [], signingTime: null, digestAlgorithm: null };
  const fail = (message: string): CmsCheck => {
    check.problems.push(message);
    return check;
  };
  let signed: pkijs.SignedData;
  try {
    const asn = asn1js.fromBER(toArrayBuffer(cms));
    if (asn.offset === -1) return fail(`The CMS signature is not valid DER (${asn.result.error}).`);
    const info = new pkijs.ContentInfo({ schema: asn.result });
    if (info.contentType !== OID.signedData) return fail("The CMS signature is not SignedData.");
    // Certificates are most of the bytes and of pkijs's parsing time, and every slice of a build (and
    // every build of a team) carries the same ones: they are taken out and parsed once, by their DER.
    const ders = takeCertificates(info.content);
    signed = new pkijs.SignedData({ schema: info.content });
    signed.certificates = ders.map((der) => parsedCertificate(der).pkijs);
    check.certificates = ders.map((der) => parsedCertificate(der).x509);
  } catch (error) {
    return fail(`The CMS signature cannot be read (${error instanceof Error ? error.message : String(error)}).`);
  }
  const signerInfo = signed.signerInfos[0];
  if (!signerInfo || signed.signerInfos.length !== 1) {
    return fail(`The CMS has ${signed.signerInfos.length} signers, not one.`);
  }
  const algorithm = DIGEST_OIDS[signerInfo.digestAlgorithm.algorithmId];
  if (!algorithm) return fail(`The CMS uses an unknown digest (${signerInfo.digestAlgorithm.algorithmId}).`);
  check.digestAlgorithm = algorithm;
  const attributes = signerInfo.signedAttrs?.attributes ?? [];
  if (attributes.length === 0) return fail("The CMS has no signed attributes.");
  const attribute = (oid: string) => attributes.find((a) => a.type === oid);

  const contentType = attribute(OID.contentType)?.values[0];
  if (!(contentType instanceof asn1js.ObjectIdentifier) || contentType.valueBlock.toString() !== OID.data) {
    check.problems.push("The CMS content type is not data.");
  }
  const signingTime = attribute(OID.signingTime)?.values[0];
  if (signingTime instanceof asn1js.UTCTime || signingTime instanceof asn1js.GeneralizedTime) {
    check.signingTime = signingTime.toDate();
  }

  // Which directory the message digest covers: Apple signs slot 0's bytes.
  const messageDigest = octets(attribute(OID.messageDigest)?.values[0]);
  const primary = directories[0];
  if (!primary) return fail("There is no CodeDirectory to check the CMS against.");
  if (!messageDigest) return fail("The CMS has no message digest.");
  if (!messageDigest.equals(digest(algorithm, primary.raw))) {
    check.problems.push("The CMS signature does not cover this CodeDirectory (message digest differs).");
  }

  let result: pkijs.SignedDataVerifyResult;
  try {
    result = await signed.verify(
      { signer: 0, data: toArrayBuffer(primary.raw), extendedMode: true, checkChain: false },
      engine,
    );
  } catch (error) {
    // pkijs throws SignedDataVerifyError for a bad signature or a missing signer certificate.
    const verifyError = error as Partial<pkijs.SignedDataVerifyResult>;
    result = {
      message: verifyError.message ?? String(error),
      signatureVerified: false,
      signerCertificate: verifyError.signerCertificate ?? null,
      certificatePath: [],
    };
  }
  if (result.signerCertificate) {
    const index = (signed.certificates ?? []).indexOf(result.signerCertificate);
    check.signer = check.certificates[index] ?? null;
  }
  if (!check.signer) check.problems.push("The CMS does not carry its signer's certificate.");
  else if (result.signatureVerified !== true) {
    check.problems.push(`The CMS signature does not verify (${result.message || "bad signature"}).`);
  }

  // Alternates are bound only through Apple's attributes: every directory must be listed.
  const listed = new Set<string>();
  const plistValue = octets(attribute(OID.cdhashesPlist)?.values[0]);
  if (plistValue) {
    try {
      const plist = parsePlist(plistValue) as { cdhashes?: unknown };
      for (const hash of Array.isArray(plist.cdhashes) ? plist.cdhashes : []) {
        if (Buffer.isBuffer(hash)) listed.add(hash.toString("hex"));
      }
    } catch {
      check.problems.push("The CMS CDHashes attribute is not a readable property list.");
    }
  }
  const full = new Set<string>();
  for (const value of attribute(OID.cdhashes2)?.values ?? []) {
    if (!(value instanceof asn1js.Sequence)) continue;
    const [oid, hash] = value.valueBlock.value;
    const name = oid instanceof asn1js.ObjectIdentifier ? DIGEST_OIDS[oid.valueBlock.toString()] : undefined;
    const bytes = octets(hash);
    if (name && bytes) full.add(`${name}:${bytes.toString("hex")}`);
  }
  const hasAttributes = plistValue !== null || full.size > 0;
  for (const cd of directories.slice(1)) {
    if (!hasAttributes) {
      check.problems.push("The CMS does not bind the alternate CodeDirectory (no CDHashes attributes).");
      break;
    }
    const hex = cdhashOf(cd).toString("hex");
    if (plistValue && !listed.has(hex)) {
      check.problems.push(`The alternate CodeDirectory (cdhash ${hex}) is not in the signed CDHashes list.`);
    }
  }
  for (const cd of directories) {
    if (full.size === 0) break;
    const name = HASH_TYPES[cd.hashType].algorithm;
    const hex = digest(name, cd.raw).toString("hex");
    if (!full.has(`${name}:${hex}`)) {
      check.problems.push(`A CodeDirectory (${name} ${hex.slice(0, 40)}) is not in the signed CDHashes2 list.`);
    }
  }
  return check;
}
