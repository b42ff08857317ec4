/**
 * Test-only: builds small CMS SignedData envelopes with a throwaway
 * self-signed certificate, so tests can cover signer variants the fixtures
 * lack (ECDSA, subjectKeyIdentifier, no signed attributes, BER chunks).
 */
import { createHash, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { derWrite, tlv } from "@/lib/analysis/profile/der-write";

/** The production encoder plus the few types only tests write. */
export const der = {
  ...derWrite,
  int: derWrite.smallInt,
  utf8: (s: string): Buffer => tlv(0x0c, Buffer.from(s, "utf8")),
  bitString: (body: Buffer): Buffer => tlv(0x03, Buffer.concat([Buffer.from([0]), body])),
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
