/**
 * Test-only: builds small CMS SignedData envelopes with a throwaway
 * self-signed certificate, so tests can cover signer variants the fixtures
 * lack (ECDSA, subjectKeyIdentifier, no signed attributes, BER chunks).
 */
import { createHash, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { arrayBufferOf, primitiveContent } from "@/lib/analysis/profile/cms";

const OID = {
  signedData: "1.2.840.113549.1.7.2",
  data: "1.2.840.113549.1.7.1",
  contentType: "1.2.840.113549.1.9.3",
  messageDigest: "1.2.840.113549.1.9.4",
  sha256: "2.16.840.1.101.3.4.2.1",
  rsaEncryption: "1.2.840.113549.1.1.1",
  sha256WithRsa: "1.2.840.113549.1.1.11",
  ecdsaSha256: "1.2.840.10045.4.3.2",
  commonName: "2.5.4.3",
  subjectKeyId: "2.5.29.14",
};

export interface TestSigner {
  keyType: "rsa" | "ec";
  privateKey: KeyObject;
  certificate: Buffer;
  issuerName: pkijs.RelativeDistinguishedNames;
  serial: number;
  keyId: Buffer;
}

function sigAlgorithm(keyType: "rsa" | "ec"): pkijs.AlgorithmIdentifier {
  return keyType === "rsa"
    ? new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256WithRsa, algorithmParams: new asn1js.Null() })
    : new pkijs.AlgorithmIdentifier({ algorithmId: OID.ecdsaSha256 });
}

/** A self-signed certificate with a subjectKeyIdentifier extension. */
export function makeSigner(keyType: "rsa" | "ec"): TestSigner {
  const { publicKey, privateKey } =
    keyType === "rsa"
      ? generateKeyPairSync("rsa", { modulusLength: 2048 })
      : generateKeyPairSync("ec", { namedCurve: "P-256" });
  const spki = publicKey.export({ type: "spki", format: "der" });
  const keyId = createHash("sha1").update(spki).digest();
  const name = () =>
    new pkijs.RelativeDistinguishedNames({
      typesAndValues: [
        new pkijs.AttributeTypeAndValue({
          type: OID.commonName,
          value: new asn1js.Utf8String({ value: "Ferry Test Signer" }),
        }),
      ],
    });
  const serial = 7;
  const cert = new pkijs.Certificate({
    version: 2,
    serialNumber: new asn1js.Integer({ value: serial }),
    signature: sigAlgorithm(keyType),
    issuer: name(),
    notBefore: new pkijs.Time({ type: 0, value: new Date("2024-01-01T00:00:00Z") }),
    notAfter: new pkijs.Time({ type: 0, value: new Date("2034-01-01T00:00:00Z") }),
    subject: name(),
    subjectPublicKeyInfo: pkijs.PublicKeyInfo.fromBER(arrayBufferOf(spki)),
    extensions: [
      new pkijs.Extension({
        extnID: OID.subjectKeyId,
        extnValue: new asn1js.OctetString({ valueHex: arrayBufferOf(keyId) }).toBER(),
      }),
    ],
    signatureAlgorithm: sigAlgorithm(keyType),
  });
  const tbs = Buffer.from(cert.encodeTBS().toBER());
  cert.signatureValue = new asn1js.BitString({ valueHex: arrayBufferOf(sign("sha256", tbs, privateKey)) });
  const certificate = Buffer.from(cert.toSchema(true).toBER());
  return { keyType, privateKey, certificate, issuerName: name(), serial, keyId };
}

export interface EnvelopeOptions {
  sid?: "ski" | "issuerSerial";
  signedAttrs?: boolean;
  includeCertificate?: boolean;
  /** Encode the content as a constructed, indefinite-length OCTET STRING of this chunk size. */
  berChunkSize?: number;
  /** Content to put in the envelope instead of the signed one (to simulate tampering). */
  replaceContent?: Buffer;
}

/** A ContentInfo(SignedData) over `content`, signed by `signer`. */
export function makeEnvelope(content: Buffer, signer: TestSigner, options: EnvelopeOptions = {}): Buffer {
  const digestAlgorithm = () =>
    new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256, algorithmParams: new asn1js.Null() });
  const issuerSerial = options.sid === "issuerSerial";
  const sid = issuerSerial
    ? new pkijs.IssuerAndSerialNumber({
        issuer: signer.issuerName,
        serialNumber: new asn1js.Integer({ value: signer.serial }),
      })
    : // [0] IMPLICIT SubjectKeyIdentifier
      new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 }, valueHex: arrayBufferOf(signer.keyId) });
  let signedAttrs: pkijs.SignedAndUnsignedAttributes | undefined;
  let signedBytes = content;
  if (options.signedAttrs !== false) {
    const attributes = [
      new pkijs.Attribute({ type: OID.contentType, values: [new asn1js.ObjectIdentifier({ value: OID.data })] }),
      new pkijs.Attribute({
        type: OID.messageDigest,
        values: [new asn1js.OctetString({ valueHex: arrayBufferOf(createHash("sha256").update(content).digest()) })],
      }),
    ];
    // Signature input: the SET encoding (already in DER order: contentType sorts before messageDigest).
    signedBytes = Buffer.from(new asn1js.Set({ value: attributes.map((a) => a.toSchema()) }).toBER());
    signedAttrs = new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes });
  }
  const signature = sign("sha256", signedBytes, signer.privateKey);
  const signerInfo = new pkijs.SignerInfo({
    version: issuerSerial ? 1 : 3,
    sid,
    digestAlgorithm: digestAlgorithm(),
    ...(signedAttrs ? { signedAttrs } : {}),
    signatureAlgorithm:
      signer.keyType === "rsa"
        ? new pkijs.AlgorithmIdentifier({ algorithmId: OID.rsaEncryption, algorithmParams: new asn1js.Null() })
        : new pkijs.AlgorithmIdentifier({ algorithmId: OID.ecdsaSha256 }),
    signature: new asn1js.OctetString({ valueHex: arrayBufferOf(signature) }),
  });
  const carried = options.replaceContent ?? content;
  const signedData = new pkijs.SignedData({
    version: issuerSerial ? 1 : 3,
    digestAlgorithms: [digestAlgorithm()],
    encapContentInfo: primitiveContent(carried),
    ...(options.includeCertificate === false
      ? {}
      : { certificates: [pkijs.Certificate.fromBER(arrayBufferOf(signer.certificate))] }),
    signerInfos: [signerInfo],
  });
  const der = Buffer.from(
    new pkijs.ContentInfo({ contentType: OID.signedData, content: signedData.toSchema(true) }).toSchema().toBER(),
  );
  return options.berChunkSize ? withBerContent(der, carried, options.berChunkSize) : der;
}

/** A length's DER bytes (for the hand-made BER below). */
function lengthBytes(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/**
 * The same envelope with its content as BER: [0] and a constructed OCTET
 * STRING, both of indefinite length, in chunks (what some signers write);
 * the enclosing elements' (definite) lengths are recomputed.
 */
function withBerContent(der: Buffer, content: Buffer, chunkSize: number): Buffer {
  const chunks: Buffer[] = [];
  for (let i = 0; i < content.length; i += chunkSize) {
    const chunk = content.subarray(i, i + chunkSize);
    chunks.push(Buffer.concat([Buffer.from([0x04]), lengthBytes(chunk.length), chunk]));
  }
  const ber = Buffer.concat([Buffer.from([0xa0, 0x80, 0x24, 0x80]), ...chunks, Buffer.from([0, 0, 0, 0])]);
  const plain = Buffer.concat([Buffer.from([0x04]), lengthBytes(content.length), content]);
  const wrapped = Buffer.concat([Buffer.from([0xa0]), lengthBytes(plain.length), plain]);
  const at = der.indexOf(wrapped);
  if (at < 0) throw new Error("content not found in the envelope");
  // Lengths of enclosing elements change, so they are recomputed from the inside out.
  const path = enclosing(der, at);
  let inner = ber;
  let innerStart = at;
  let innerEnd = at + wrapped.length;
  for (const element of path.reverse()) {
    const before = der.subarray(element.contentStart, innerStart);
    const after = der.subarray(innerEnd, element.end);
    const body = Buffer.concat([before, inner, after]);
    inner = Buffer.concat([Buffer.from([der[element.start] as number]), lengthBytes(body.length), body]);
    innerStart = element.start;
    innerEnd = element.end;
  }
  return inner;
}

/** The constructed elements that contain `offset`, outermost first. */
function enclosing(der: Buffer, offset: number): Array<{ start: number; contentStart: number; end: number }> {
  const out: Array<{ start: number; contentStart: number; end: number }> = [];
  let at = 0;
  let end = der.length;
  while (at < end) {
    const tag = der[at] as number;
    let length = der[at + 1] as number;
    let contentStart = at + 2;
    if (length & 0x80) {
      const count = length & 0x7f;
      length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + (der[at + 2 + i] as number);
      contentStart += count;
    }
    const elementEnd = contentStart + length;
    if (offset >= at && offset < elementEnd) {
      if (offset === at || !(tag & 0x20)) break;
      out.push({ start: at, contentStart, end: elementEnd });
      at = contentStart;
      end = elementEnd;
    } else at = elementEnd;
  }
  return out;
}
