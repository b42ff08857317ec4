/**
 * Unwraps and verifies the CMS (PKCS#7) SignedData envelope Apple puts around
 * provisioning profiles (RFC 5652). The signature is checked against the
 * signer certificate carried in the envelope; the certificate chain is NOT
 * checked (no Apple roots offline), so "valid" means "not altered since the
 * holder of that certificate signed it".
 */
import { createHash, verify as cryptoVerify, X509Certificate } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";

/** The envelope is not CMS SignedData, or its structure is malformed. */
export class CmsFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CmsFormatError";
  }
}

const OID_SIGNED_DATA = "1.2.840.113549.1.7.2";
const OID_CONTENT_TYPE = "1.2.840.113549.1.9.3";
const OID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4";
const OID_SUBJECT_KEY_ID = "2.5.29.14";

const DIGESTS: Record<string, string> = {
  "1.3.14.3.2.26": "sha1",
  "2.16.840.1.101.3.4.2.4": "sha224",
  "2.16.840.1.101.3.4.2.1": "sha256",
  "2.16.840.1.101.3.4.2.2": "sha384",
  "2.16.840.1.101.3.4.2.3": "sha512",
};

/** Signature algorithm OID → key type and the hash it implies (null: use the digest algorithm). */
const SIGNATURES: Record<string, { key: "rsa" | "ec"; hash: string | null }> = {
  "1.2.840.113549.1.1.1": { key: "rsa", hash: null },
  "1.2.840.113549.1.1.5": { key: "rsa", hash: "sha1" },
  "1.2.840.113549.1.1.14": { key: "rsa", hash: "sha224" },
  "1.2.840.113549.1.1.11": { key: "rsa", hash: "sha256" },
  "1.2.840.113549.1.1.12": { key: "rsa", hash: "sha384" },
  "1.2.840.113549.1.1.13": { key: "rsa", hash: "sha512" },
  "1.2.840.10045.2.1": { key: "ec", hash: null },
  "1.2.840.10045.4.1": { key: "ec", hash: "sha1" },
  "1.2.840.10045.4.3.1": { key: "ec", hash: "sha224" },
  "1.2.840.10045.4.3.2": { key: "ec", hash: "sha256" },
  "1.2.840.10045.4.3.3": { key: "ec", hash: "sha384" },
  "1.2.840.10045.4.3.4": { key: "ec", hash: "sha512" },
};

export type SignatureStatus = "valid" | "invalid" | "unsigned" | "unverifiable";

export interface SignerSummary {
  subject: string;
  issuer: string;
  /** ISO 8601. */
  notAfter: string;
}

export interface SignatureCheck {
  status: SignatureStatus;
  signer: SignerSummary | null;
  /** Always false: the chain up to Apple's root is not checked (no trust store offline). */
  chainChecked: false;
  detail?: string;
}

type SignerId = { kind: "issuerSerial"; issuer: Buffer; serial: Buffer } | { kind: "ski"; keyId: Buffer };

interface SignerInfo {
  sid: SignerId;
  digestOid: string;
  /** The signed attributes as the signature covers them (DER, tagged SET), if any. */
  signedAttrs: { der: Buffer; definite: boolean; messageDigest: Buffer | null; contentType: string | null } | null;
  signatureOid: string;
  signature: Buffer;
}

export interface SignedData {
  /** The OID of the encapsulated content (normally id-data). */
  contentType: string;
  /** The encapsulated content octets (the profile plist). */
  content: Buffer;
  /** DER encodings of the certificates carried in the envelope. */
  certificates: Buffer[];
  signers: SignerInfo[];
}

/** True if `buf` starts like a DER/BER SEQUENCE, i.e. could be a CMS envelope. */
export function looksLikeCms(buf: Uint8Array): boolean {
  return buf.length > 2 && buf[0] === 0x30;
}

/** A copy of `bytes` as an ArrayBuffer (what asn1js and pkijs take). */
export function arrayBufferOf(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/**
 * id-data content as one primitive OCTET STRING (DER), for writing SignedData.
 * pkijs's constructor would turn it into a constructed, chunked one (BER), so
 * it is set afterwards.
 */
export function primitiveContent(content: Buffer): pkijs.EncapsulatedContentInfo {
  const info = new pkijs.EncapsulatedContentInfo({ eContentType: "1.2.840.113549.1.7.1" });
  info.eContent = new asn1js.OctetString({ valueHex: arrayBufferOf(content) });
  return info;
}

const bytesOf = (view: ArrayBuffer | Uint8Array): Buffer =>
  Buffer.from(view instanceof Uint8Array ? view : new Uint8Array(view));

/** The encoding of an ASN.1 value as it was read (plain certificates only: attribute certificates are skipped). */
const encodingOf = (value: asn1js.Sequence): Buffer => Buffer.from(value.valueBeforeDecodeView);

/** Parses a ContentInfo holding SignedData (pkijs). Throws CmsFormatError on malformed structure. */
export function parseSignedData(buf: Buffer): SignedData {
  const asn = asn1js.fromBER(arrayBufferOf(buf));
  if (asn.offset === -1) throw new CmsFormatError(`not valid DER (${asn.result.error})`);
  let info: pkijs.ContentInfo;
  try {
    info = new pkijs.ContentInfo({ schema: asn.result });
  } catch {
    throw new CmsFormatError("not a CMS SignedData envelope");
  }
  if (info.contentType !== OID_SIGNED_DATA) throw new CmsFormatError("not a CMS SignedData envelope");
  // The certificates' own encodings, as read (pkijs would re-encode them).
  const certificates: Buffer[] = [];
  if (info.content instanceof asn1js.Sequence) {
    const field = info.content.valueBlock.value.find((f) => f.idBlock.tagClass === 3 && f.idBlock.tagNumber === 0);
    if (field instanceof asn1js.Constructed) {
      for (const cert of field.valueBlock.value)
        if (cert instanceof asn1js.Sequence) certificates.push(encodingOf(cert));
    }
  }
  let signed: pkijs.SignedData;
  try {
    signed = new pkijs.SignedData({ schema: info.content });
  } catch (error) {
    throw new CmsFormatError(`malformed SignedData (${error instanceof Error ? error.message : String(error)})`);
  }
  const encap = signed.encapContentInfo;
  if (!encap.eContent) throw new CmsFormatError("the envelope carries no content (detached signature)");
  if (!(encap.eContent instanceof asn1js.OctetString))
    throw new CmsFormatError("the encapsulated content is not an OCTET STRING");
  // getValue joins the pieces of a constructed (BER) OCTET STRING.
  const content = bytesOf(encap.eContent.getValue());
  const signers = signed.signerInfos.map(signerInfoOf);
  return { contentType: encap.eContentType, content, certificates, signers };
}

function signerInfoOf(info: pkijs.SignerInfo): SignerInfo {
  let sid: SignerId;
  if (info.sid instanceof pkijs.IssuerAndSerialNumber) {
    sid = {
      kind: "issuerSerial",
      issuer: bytesOf(info.sid.issuer.toSchema().toBER()),
      serial: bytesOf(info.sid.serialNumber.valueBlock.valueHexView),
    };
  } else if (info.sid instanceof asn1js.Primitive || info.sid instanceof asn1js.Constructed) {
    const keyId = info.sid instanceof asn1js.Primitive ? info.sid.valueBlock.valueHexView : null;
    if (!keyId || info.sid.idBlock.tagClass !== 3 || info.sid.idBlock.tagNumber !== 0)
      throw new CmsFormatError("malformed SignerIdentifier");
    sid = { kind: "ski", keyId: bytesOf(keyId) };
  } else throw new CmsFormatError("malformed SignerIdentifier");
  let signedAttrs: SignerInfo["signedAttrs"] = null;
  if (info.signedAttrs) {
    const encoded = bytesOf(info.signedAttrs.encodedValue);
    const der = Buffer.from(encoded);
    der[0] = 0x31; // [0] IMPLICIT → SET OF, as RFC 5652 §5.4 requires for the signature input
    const value = (type: string) => info.signedAttrs?.attributes.find((a) => a.type === type)?.values[0];
    const digest = value(OID_MESSAGE_DIGEST);
    const type = value(OID_CONTENT_TYPE);
    signedAttrs = {
      der,
      // Indefinite length (BER) would need re-encoding before it is the signed input.
      definite: encoded[1] !== 0x80,
      messageDigest: digest instanceof asn1js.OctetString ? bytesOf(digest.valueBlock.valueHexView) : null,
      contentType: type instanceof asn1js.ObjectIdentifier ? type.valueBlock.toString() : null,
    };
  }
  return {
    sid,
    digestOid: info.digestAlgorithm.algorithmId,
    signedAttrs,
    signatureOid: info.signatureAlgorithm.algorithmId,
    signature: bytesOf(info.signature.valueBlock.valueHexView),
  };
}

interface CertFacts {
  der: Buffer;
  issuer: Buffer;
  serial: Buffer;
  subjectKeyId: Buffer | null;
  notAfter: Date;
}

/** What signer matching needs from a certificate (pkijs). */
function certFacts(der: Buffer): CertFacts {
  const cert = pkijs.Certificate.fromBER(arrayBufferOf(der));
  const ski = cert.extensions?.find((e) => e.extnID === OID_SUBJECT_KEY_ID)?.parsedValue;
  return {
    der,
    issuer: bytesOf(cert.issuer.toSchema().toBER()),
    serial: bytesOf(cert.serialNumber.valueBlock.valueHexView),
    subjectKeyId: ski instanceof asn1js.OctetString ? bytesOf(ski.valueBlock.valueHexView) : null,
    notAfter: cert.notAfter.value,
  };
}

function matchesSigner(facts: CertFacts, sid: SignerId): boolean {
  if (sid.kind === "ski") return facts.subjectKeyId?.equals(sid.keyId) === true;
  return facts.issuer.equals(sid.issuer) && facts.serial.equals(sid.serial);
}

/** Node prints distinguished names one attribute per line; one line reads better in the UI. */
function oneLine(name: string): string {
  return name.split("\n").filter(Boolean).join(", ");
}

/** Verifies the first signer of `sd` (Apple profiles carry exactly one). Never throws. */
export function verifySignedData(sd: SignedData): SignatureCheck {
  const signer = sd.signers[0];
  if (!signer)
    return { status: "unsigned", signer: null, chainChecked: false, detail: "The CMS envelope carries no signer." };
  try {
    return verifySigner(sd, signer);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return {
      status: "unverifiable",
      signer: null,
      chainChecked: false,
      detail: `The signature could not be checked: ${why}.`,
    };
  }
}

function verifySigner(sd: SignedData, si: SignerInfo): SignatureCheck {
  const unverifiable = (detail: string, summary: SignerSummary | null = null): SignatureCheck => ({
    status: "unverifiable",
    signer: summary,
    chainChecked: false,
    detail,
  });
  const invalid = (detail: string, summary: SignerSummary | null): SignatureCheck => ({
    status: "invalid",
    signer: summary,
    chainChecked: false,
    detail,
  });

  // Find the signer certificate first so even an invalid result names who signed.
  let facts: CertFacts | null = null;
  for (const der of sd.certificates) {
    let candidate: CertFacts;
    try {
      candidate = certFacts(der);
    } catch {
      continue; // an unparseable extra certificate should not hide the signer's
    }
    if (matchesSigner(candidate, si.sid)) {
      facts = candidate;
      break;
    }
  }
  let cert: X509Certificate | null = null;
  let summary: SignerSummary | null = null;
  if (facts) {
    try {
      cert = new X509Certificate(facts.der);
      summary = {
        subject: oneLine(cert.subject),
        issuer: oneLine(cert.issuer),
        notAfter: facts.notAfter.toISOString(),
      };
    } catch {
      cert = null;
    }
  }

  const digestName = DIGESTS[si.digestOid];
  if (!digestName) return unverifiable(`Unsupported digest algorithm ${si.digestOid}.`, summary);
  const sigAlg = SIGNATURES[si.signatureOid];
  if (!sigAlg) return unverifiable(`Unsupported signature algorithm ${si.signatureOid}.`, summary);

  let signedBytes: Buffer;
  if (si.signedAttrs) {
    const attrs = si.signedAttrs;
    // The signature covers the DER of the attributes as a SET; BER would need re-encoding.
    if (!attrs.definite) return unverifiable("The signed attributes are not DER-encoded.", summary);
    if (!attrs.messageDigest) return invalid("The signed attributes have no message digest.", summary);
    const actual = createHash(digestName).update(sd.content).digest();
    if (!actual.equals(attrs.messageDigest)) {
      return invalid(
        "The profile content does not match the digest that was signed: it was altered after signing.",
        summary,
      );
    }
    if (attrs.contentType !== null && attrs.contentType !== sd.contentType) {
      return invalid("The signed content type does not match the envelope's content type.", summary);
    }
    signedBytes = attrs.der;
  } else {
    signedBytes = sd.content;
  }

  if (!facts) return unverifiable("The signer's certificate is not included in the envelope.", summary);
  if (!cert) return unverifiable("The signer's certificate cannot be read.", summary);
  const keyType = cert.publicKey.asymmetricKeyType;
  if (keyType !== sigAlg.key) {
    return unverifiable(
      `The signer's key type (${keyType ?? "unknown"}) does not fit the signature algorithm.`,
      summary,
    );
  }

  // RFC 5652 hashes with the SignerInfo digest; some producers follow the signature OID's hash instead.
  const hashes = [digestName];
  if (sigAlg.hash && sigAlg.hash !== digestName) hashes.push(sigAlg.hash);
  for (const hash of hashes) {
    let ok = false;
    try {
      ok = cryptoVerify(hash, signedBytes, cert.publicKey, si.signature);
    } catch {
      ok = false;
    }
    if (ok) {
      const detail = `Signed with ${sigAlg.key.toUpperCase()}/${hash.toUpperCase()}; the certificate chain was not checked.`;
      return { status: "valid", signer: summary, chainChecked: false, detail };
    }
  }
  return invalid("The signature does not verify with the signer's certificate.", summary);
}
