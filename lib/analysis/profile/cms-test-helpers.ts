/**
 * Test-only: builds small CMS SignedData envelopes with a throwaway
 * self-signed certificate, so tests can cover signer variants the fixtures
 * lack (ECDSA, subjectKeyIdentifier, no signed attributes, BER chunks).
 */
import { createHash, generateKeyPairSync, type KeyObject, sign } from "node:crypto";

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

export const der = {
  seq: (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items)),
  set: (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat([...items].sort(Buffer.compare))),
  int: (n: number): Buffer => tlv(0x02, Buffer.from([n])),
  octets: (body: Buffer): Buffer => tlv(0x04, body),
  nul: (): Buffer => Buffer.from([0x05, 0x00]),
  utf8: (s: string): Buffer => tlv(0x0c, Buffer.from(s, "utf8")),
  utcTime: (d: Date): Buffer =>
    tlv(0x17, Buffer.from(`${d.toISOString().slice(2, 19).replace(/[-T:]/g, "")}Z`, "latin1")),
  bitString: (body: Buffer): Buffer => tlv(0x03, Buffer.concat([Buffer.from([0]), body])),
  /** Context-specific constructed [n]. */
  ctx: (n: number, body: Buffer): Buffer => tlv(0xa0 | n, body),
  oid(dotted: string): Buffer {
    const arcs = dotted.split(".").map(Number);
    const out: number[] = [(arcs[0] ?? 0) * 40 + (arcs[1] ?? 0)];
    for (const arc of arcs.slice(2)) {
      const digits: number[] = [];
      let v = arc;
      do {
        digits.unshift(v & 0x7f);
        v = Math.floor(v / 128);
      } while (v > 0);
      for (let i = 0; i < digits.length - 1; i++) digits[i] = (digits[i] ?? 0) | 0x80;
      out.push(...digits);
    }
    return tlv(0x06, Buffer.from(out));
  },
};

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
  issuerName: Buffer;
  serial: number;
  keyId: Buffer;
}

function sigAlgorithm(keyType: "rsa" | "ec"): Buffer {
  return keyType === "rsa" ? der.seq(der.oid(OID.sha256WithRsa), der.nul()) : der.seq(der.oid(OID.ecdsaSha256));
}

/** A self-signed certificate with a subjectKeyIdentifier extension. */
export function makeSigner(keyType: "rsa" | "ec"): TestSigner {
  const { publicKey, privateKey } =
    keyType === "rsa"
      ? generateKeyPairSync("rsa", { modulusLength: 2048 })
      : generateKeyPairSync("ec", { namedCurve: "P-256" });
  const spki = publicKey.export({ type: "spki", format: "der" });
  const keyId = createHash("sha1").update(spki).digest();
  const name = der.seq(der.set(der.seq(der.oid(OID.commonName), der.utf8("Ferry Test Signer"))));
  const serial = 7;
  const tbs = der.seq(
    der.ctx(0, der.int(2)),
    der.int(serial),
    sigAlgorithm(keyType),
    name,
    der.seq(der.utcTime(new Date("2024-01-01T00:00:00Z")), der.utcTime(new Date("2034-01-01T00:00:00Z"))),
    name,
    spki,
    der.ctx(3, der.seq(der.seq(der.oid(OID.subjectKeyId), der.octets(der.octets(keyId))))),
  );
  const certificate = der.seq(tbs, sigAlgorithm(keyType), der.bitString(sign("sha256", tbs, privateKey)));
  return { keyType, privateKey, certificate, issuerName: name, serial, keyId };
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
  const digestAlg = der.seq(der.oid(OID.sha256), der.nul());
  const sid =
    options.sid === "issuerSerial" ? der.seq(signer.issuerName, der.int(signer.serial)) : tlv(0x80, signer.keyId); // [0] IMPLICIT SubjectKeyIdentifier
  let attrsField = Buffer.alloc(0);
  let signedBytes = content;
  if (options.signedAttrs !== false) {
    const attrSet = der.set(
      der.seq(der.oid(OID.contentType), der.set(der.oid(OID.data))),
      der.seq(der.oid(OID.messageDigest), der.set(der.octets(createHash("sha256").update(content).digest()))),
    );
    signedBytes = attrSet; // signature input: the SET encoding
    attrsField = Buffer.concat([Buffer.from([0xa0]), attrSet.subarray(1)]); // [0] IMPLICIT in the SignerInfo
  }
  const signature = sign("sha256", signedBytes, signer.privateKey);
  const signatureAlg =
    signer.keyType === "rsa" ? der.seq(der.oid(OID.rsaEncryption), der.nul()) : der.seq(der.oid(OID.ecdsaSha256));
  const signerInfo = der.seq(
    der.int(options.sid === "issuerSerial" ? 1 : 3),
    sid,
    digestAlg,
    attrsField,
    signatureAlg,
    der.octets(signature),
  );

  const carried = options.replaceContent ?? content;
  let eContent: Buffer;
  if (options.berChunkSize) {
    const chunks: Buffer[] = [];
    for (let i = 0; i < carried.length; i += options.berChunkSize) {
      chunks.push(der.octets(carried.subarray(i, i + options.berChunkSize)));
    }
    const constructed = Buffer.concat([Buffer.from([0x24, 0x80]), ...chunks, Buffer.from([0, 0])]);
    eContent = Buffer.concat([Buffer.from([0xa0, 0x80]), constructed, Buffer.from([0, 0])]);
  } else {
    eContent = der.ctx(0, der.octets(carried));
  }
  const signedData = der.seq(
    der.int(options.sid === "issuerSerial" ? 1 : 3),
    der.set(digestAlg),
    der.seq(der.oid(OID.data), eContent),
    options.includeCertificate === false ? Buffer.alloc(0) : der.ctx(0, signer.certificate),
    der.set(signerInfo),
  );
  return der.seq(der.oid(OID.signedData), der.ctx(0, signedData));
}
