/**
 * Unwraps and verifies the CMS (PKCS#7) SignedData envelope Apple puts around
 * provisioning profiles (RFC 5652). The signature is checked against the
 * signer certificate carried in the envelope; the certificate chain is NOT
 * checked (no Apple roots offline), so "valid" means "not altered since the
 * holder of that certificate signed it".
 */
import { createHash, verify as cryptoVerify, X509Certificate } from "node:crypto";
import {
  children,
  content,
  type DerElement,
  DerError,
  encoding,
  expectUniversal,
  isContext,
  isUniversal,
  readElement,
  readOctetString,
  readOid,
  readTime,
  TAG_CLASS_CONTEXT,
  TAG_CLASS_UNIVERSAL,
  TAG_INTEGER,
  TAG_OCTET_STRING,
  TAG_OID,
  TAG_SEQUENCE,
  TAG_SET,
} from "@/lib/analysis/profile/der";

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
  /** The [0] IMPLICIT signed attributes element, if any. */
  signedAttrs: DerElement | null;
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
  /** The buffer the element offsets of `signers` refer to. */
  source: Buffer;
}

/** True if `buf` starts like a DER/BER SEQUENCE, i.e. could be a CMS envelope. */
export function looksLikeCms(buf: Uint8Array): boolean {
  return buf.length > 2 && buf[0] === 0x30;
}

/** Parses a ContentInfo holding SignedData. Throws DerError on malformed structure. */
export function parseSignedData(buf: Buffer): SignedData {
  const root = readElement(buf, 0);
  expectUniversal(root, TAG_SEQUENCE, "a ContentInfo SEQUENCE");
  const [typeEl, wrapped] = children(buf, root);
  if (!typeEl || readOid(buf, typeEl) !== OID_SIGNED_DATA) throw new DerError("not a CMS SignedData envelope");
  if (!isContext(wrapped, 0)) throw new DerError("SignedData content is missing");
  const sd = expectUniversal(children(buf, wrapped)[0], TAG_SEQUENCE, "a SignedData SEQUENCE");
  const parts = children(buf, sd);
  let i = 0;
  expectUniversal(parts[i++], TAG_INTEGER, "the SignedData version");
  expectUniversal(parts[i++], TAG_SET, "the digestAlgorithms SET");
  const encap = expectUniversal(parts[i++], TAG_SEQUENCE, "the encapContentInfo SEQUENCE");
  const [eTypeEl, eWrapped] = children(buf, encap);
  if (!eTypeEl) throw new DerError("encapContentInfo has no content type");
  const contentType = readOid(buf, eTypeEl);
  if (!isContext(eWrapped, 0)) throw new DerError("the envelope carries no content (detached signature)");
  const eContentEl = children(buf, eWrapped)[0];
  if (!isUniversal(eContentEl, TAG_OCTET_STRING)) throw new DerError("the encapsulated content is not an OCTET STRING");
  const eContent = readOctetString(buf, eContentEl);

  const certificates: Buffer[] = [];
  let next = parts[i];
  if (isContext(next, 0)) {
    for (const cert of children(buf, next)) {
      // Only plain certificates (SEQUENCE); attribute certificates and others are skipped.
      if (isUniversal(cert, TAG_SEQUENCE)) certificates.push(encoding(buf, cert));
    }
    next = parts[++i];
  }
  if (isContext(next, 1)) next = parts[++i]; // CRLs: not needed.
  const signerSet = expectUniversal(next, TAG_SET, "the signerInfos SET");
  const signers = children(buf, signerSet).map((el) => parseSignerInfo(buf, el));
  return { contentType, content: eContent, certificates, signers, source: buf };
}

function parseSignerInfo(buf: Buffer, el: DerElement): SignerInfo {
  const parts = children(buf, expectUniversal(el, TAG_SEQUENCE, "a SignerInfo SEQUENCE"));
  let i = 0;
  expectUniversal(parts[i++], TAG_INTEGER, "the SignerInfo version");
  const sidEl = parts[i++];
  if (!sidEl) throw new DerError("SignerInfo has no signer identifier");
  let sid: SignerId;
  // Plain comparisons here: a type-guard's false branch would narrow sidEl to never.
  if (sidEl.tagClass === TAG_CLASS_UNIVERSAL && sidEl.tagNumber === TAG_SEQUENCE) {
    const [issuer, serial] = children(buf, sidEl);
    if (!isUniversal(issuer, TAG_SEQUENCE) || !isUniversal(serial, TAG_INTEGER)) {
      throw new DerError("malformed issuerAndSerialNumber");
    }
    sid = { kind: "issuerSerial", issuer: encoding(buf, issuer), serial: content(buf, serial) };
  } else if (sidEl.tagClass === TAG_CLASS_CONTEXT && sidEl.tagNumber === 0 && !sidEl.constructed) {
    sid = { kind: "ski", keyId: content(buf, sidEl) };
  } else {
    throw new DerError("malformed SignerIdentifier");
  }
  const digestOid = algorithmOid(buf, parts[i++]);
  let signedAttrs: DerElement | null = null;
  if (isContext(parts[i], 0)) signedAttrs = parts[i++] ?? null;
  const signatureOid = algorithmOid(buf, parts[i++]);
  const sigEl = parts[i++];
  if (!isUniversal(sigEl, TAG_OCTET_STRING)) throw new DerError("SignerInfo has no signature");
  return { sid, digestOid, signedAttrs, signatureOid, signature: readOctetString(buf, sigEl) };
}

function algorithmOid(buf: Buffer, el: DerElement | undefined): string {
  const seq = expectUniversal(el, TAG_SEQUENCE, "an AlgorithmIdentifier");
  return readOid(buf, expectUniversal(children(buf, seq)[0], TAG_OID, "an algorithm OID"));
}

interface CertFacts {
  der: Buffer;
  issuer: Buffer;
  serial: Buffer;
  subjectKeyId: Buffer | null;
  notAfter: Date;
}

/** Pulls from a certificate's DER what signer matching needs. */
function certFacts(der: Buffer): CertFacts {
  const cert = readElement(der, 0);
  const tbs = expectUniversal(
    children(der, expectUniversal(cert, TAG_SEQUENCE, "a Certificate"))[0],
    TAG_SEQUENCE,
    "a TBSCertificate",
  );
  const parts = children(der, tbs);
  let i = 0;
  if (isContext(parts[i], 0)) i++; // explicit version
  const serial = content(der, expectUniversal(parts[i++], TAG_INTEGER, "a serial number"));
  i++; // signature algorithm
  const issuer = encoding(der, expectUniversal(parts[i++], TAG_SEQUENCE, "an issuer Name"));
  const validity = children(der, expectUniversal(parts[i++], TAG_SEQUENCE, "a Validity"));
  const notAfterEl = validity[1];
  if (!notAfterEl) throw new DerError("certificate validity has no notAfter");
  const notAfter = readTime(der, notAfterEl);
  let subjectKeyId: Buffer | null = null;
  for (const el of parts.slice(i)) {
    if (!isContext(el, 3)) continue;
    const exts = expectUniversal(children(der, el)[0], TAG_SEQUENCE, "Extensions");
    for (const ext of children(der, exts)) {
      const fields = children(der, ext);
      const oidEl = fields[0];
      if (!oidEl || readOid(der, oidEl) !== OID_SUBJECT_KEY_ID) continue;
      const valueEl = fields[fields.length - 1];
      if (!isUniversal(valueEl, TAG_OCTET_STRING)) continue;
      const inner = readOctetString(der, valueEl);
      const keyIdEl = readElement(inner, 0);
      if (isUniversal(keyIdEl, TAG_OCTET_STRING)) subjectKeyId = content(inner, keyIdEl);
    }
  }
  return { der, issuer, serial, subjectKeyId, notAfter };
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
    if (attrs.indefinite) return unverifiable("The signed attributes are not DER-encoded.", summary);
    let messageDigest: Buffer | null = null;
    let contentType: string | null = null;
    for (const attr of children(sd.source, attrs)) {
      const [typeEl, valuesEl] = children(sd.source, expectUniversal(attr, TAG_SEQUENCE, "an Attribute"));
      if (!typeEl || !isUniversal(valuesEl, TAG_SET)) throw new DerError("malformed signed attribute");
      const type = readOid(sd.source, typeEl);
      const first = children(sd.source, valuesEl)[0];
      if (type === OID_MESSAGE_DIGEST && isUniversal(first, TAG_OCTET_STRING))
        messageDigest = readOctetString(sd.source, first);
      if (type === OID_CONTENT_TYPE && isUniversal(first, TAG_OID)) contentType = readOid(sd.source, first);
    }
    if (!messageDigest) return invalid("The signed attributes have no message digest.", summary);
    const actual = createHash(digestName).update(sd.content).digest();
    if (!actual.equals(messageDigest)) {
      return invalid(
        "The profile content does not match the digest that was signed: it was altered after signing.",
        summary,
      );
    }
    if (contentType !== null && contentType !== sd.contentType) {
      return invalid("The signed content type does not match the envelope's content type.", summary);
    }
    signedBytes = Buffer.from(encoding(sd.source, attrs));
    signedBytes[0] = 0x31; // [0] IMPLICIT → SET OF, as RFC 5652 §5.4 requires for the signature input
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
