import { createHash, sign, type X509Certificate } from "node:crypto";
import * as asn1js from "asn1js";
import type { CodeDirectoryForSigning, CodeDirectorySigner } from "@/lib/signing/code-directory-signer";
import type { SigningIdentity } from "@/lib/signing/signing-identity";
import { CMS_OID } from "@/lib/verify/cms-oids";
import { HASH_TYPES } from "@/lib/verify/signature-blobs";

/**
 * The CMS (RFC 5652) codesign puts in a code signature: SignedData, detached,
 * over the primary CodeDirectory's bytes, SHA-256, one signer identified by
 * issuer and serial, the leaf and its chain as certificates, and the signed
 * attributes codesign writes: contentType (data), signingTime, messageDigest,
 * CDHashes2 (1.2.840.113635.100.9.2: per directory, its hash algorithm and
 * full digest) and CDHashes (1.2.840.113635.100.9.1: an XML plist of every
 * directory's 20-byte cdhash). The output is DER; SET OFs are sorted, so
 * verifiers that re-encode the attributes (OpenSSL) compute the same bytes.
 */

const OID = CMS_OID;

const DIGEST_OIDS: Record<string, string> = {
  sha1: "1.3.14.3.2.26",
  sha256: "2.16.840.1.101.3.4.2.1",
  sha384: "2.16.840.1.101.3.4.2.2",
  sha512: "2.16.840.1.101.3.4.2.3",
};

// A tiny DER writer: codesign's structure is fixed, and writing it directly keeps every byte deliberate.
function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(content.length), content]);
}

const sequence = (...parts: Buffer[]) => tlv(0x30, Buffer.concat(parts));
/** DER SET OF: elements in ascending order of their encodings (X.690 11.6). */
const setOf = (parts: Buffer[], tag = 0x31) => tlv(tag, Buffer.concat([...parts].sort(Buffer.compare)));
const octetString = (bytes: Buffer) => tlv(0x04, bytes);
const integer = (n: number) => tlv(0x02, Buffer.from([n]));
const explicit0 = (content: Buffer) => tlv(0xa0, content);
const NULL = Buffer.from([0x05, 0x00]);

function oid(value: string): Buffer {
  return Buffer.from(new asn1js.ObjectIdentifier({ value }).toBER());
}

/** codesign writes UTCTime (RFC 5652: UTCTime for 1950–2049, GeneralizedTime otherwise). */
function time(date: Date): Buffer {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  const year = date.getUTCFullYear();
  return year >= 1950 && year < 2050
    ? tlv(0x17, Buffer.from(digits.slice(2), "ascii"))
    : tlv(0x18, Buffer.from(digits, "ascii"));
}

function attribute(type: string, values: Buffer[]): Buffer {
  return sequence(oid(type), setOf(values));
}

function algorithmOf(directory: CodeDirectoryForSigning): string {
  return HASH_TYPES[directory.hashType].algorithm;
}

/** The directory's cdhash: its digest truncated to 20 bytes. */
function cdhash(directory: CodeDirectoryForSigning): Buffer {
  return createHash(algorithmOf(directory)).update(directory.bytes).digest().subarray(0, 20);
}

/** The CDHashes attribute's plist, byte for byte as codesign writes it (tabs, base64 on its own line). */
export function cdhashesPlist(directories: readonly CodeDirectoryForSigning[]): Buffer {
  const entries = directories.map((d) => `\t\t<data>\n\t\t${cdhash(d).toString("base64")}\n\t\t</data>\n`).join("");
  return Buffer.from(
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
      '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n' +
      '<plist version="1.0">\n<dict>\n\t<key>cdhashes</key>\n\t<array>\n' +
      entries +
      "\t</array>\n</dict>\n</plist>\n",
    "utf8",
  );
}

/**
 * The signed attributes as the DER SET (tag 0x31) the signature covers. In the
 * SignerInfo the same bytes carry the [0] IMPLICIT tag (0xa0).
 */
export function signedAttributes(directories: readonly CodeDirectoryForSigning[], signingTime: Date): Buffer {
  const primary = directories[0];
  if (!primary) throw new Error("signedAttributes needs at least one CodeDirectory");
  const cdhashes2 = directories.map((d) => {
    const algorithm = algorithmOf(d);
    const digestOid = DIGEST_OIDS[algorithm];
    if (!digestOid) throw new Error(`no OID for ${algorithm}`);
    return sequence(oid(digestOid), octetString(createHash(algorithm).update(d.bytes).digest()));
  });
  return setOf([
    attribute(OID.contentType, [oid(OID.data)]),
    attribute(OID.signingTime, [time(signingTime)]),
    // The CMS digest is SHA-256 whatever the primary directory's own hash type.
    attribute(OID.messageDigest, [octetString(createHash("sha256").update(primary.bytes).digest())]),
    attribute(OID.cdhashes2, cdhashes2),
    attribute(OID.cdhashesPlist, [octetString(cdhashesPlist(directories))]),
  ]);
}

/** The certificate's issuer Name and serialNumber INTEGER, as encoded in its TBSCertificate. */
function issuerAndSerial(certificate: X509Certificate): Buffer {
  const parsed = asn1js.fromBER(certificate.raw);
  const tbs = parsed.result instanceof asn1js.Sequence ? parsed.result.valueBlock.value[0] : undefined;
  if (!(tbs instanceof asn1js.Sequence)) throw new Error("the signing certificate cannot be read");
  const fields = tbs.valueBlock.value;
  // An explicit [0] version comes first in v3 certificates.
  const start = fields[0]?.idBlock.tagClass === 3 ? 1 : 0;
  const serial = fields[start];
  const issuer = fields[start + 2];
  if (!(serial instanceof asn1js.Integer) || !(issuer instanceof asn1js.Sequence)) {
    throw new Error("the signing certificate cannot be read");
  }
  return sequence(Buffer.from(issuer.valueBeforeDecodeView), Buffer.from(serial.valueBeforeDecodeView));
}

function signatureAlgorithm(identity: SigningIdentity): Buffer {
  const type = identity.privateKey.asymmetricKeyType;
  if (type === "rsa") return sequence(oid(OID.sha256WithRsa), NULL);
  if (type === "ec") return sequence(oid(OID.ecdsaWithSha256));
  throw new Error(`code signatures need an RSA or EC key, not ${type ?? "unknown"}`);
}

export interface CmsSignerOptions {
  /** The signingTime attribute; the time of each call when omitted. */
  signingTime?: Date;
}

/**
 * A `CodeDirectorySigner` for `identity`: every call signs the directories of
 * one slice (primary first) and returns the DER ContentInfo.
 */
export function createCodeDirectorySigner(
  identity: SigningIdentity,
  options: CmsSignerOptions = {},
): CodeDirectorySigner {
  const algorithm = signatureAlgorithm(identity);
  const sid = issuerAndSerial(identity.certificate);
  const certificates = setOf(
    [identity.certificate, ...identity.chain].map((c) => c.raw),
    0xa0,
  );
  const sha256 = sequence(oid(OID.sha256), NULL);
  return async (directories) => {
    if (directories.length === 0) throw new Error("there is no CodeDirectory to sign");
    const attributes = signedAttributes(directories, options.signingTime ?? new Date());
    // RSA keys sign PKCS#1 v1.5 by default; EC keys give a DER ECDSA-Sig-Value, which is what CMS wants.
    const signature = sign("sha256", attributes, identity.privateKey);
    const signerInfo = sequence(
      integer(1),
      sid,
      sha256,
      Buffer.concat([Buffer.from([0xa0]), attributes.subarray(1)]),
      algorithm,
      octetString(signature),
    );
    const signedData = sequence(
      integer(1),
      setOf([sha256]),
      sequence(oid(OID.data)),
      certificates,
      setOf([signerInfo]),
    );
    return sequence(oid(OID.signedData), explicit0(signedData));
  };
}
