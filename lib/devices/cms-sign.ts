import { createHash, createPrivateKey, type KeyObject, sign, X509Certificate } from "node:crypto";
import {
  children,
  content,
  encoding,
  expectUniversal,
  isContext,
  readElement,
  TAG_INTEGER,
  TAG_SEQUENCE,
} from "@/lib/analysis/profile/der";
import { derWrite as der, tlv } from "@/lib/analysis/profile/der-write";

/**
 * Signs a configuration profile as CMS SignedData (RFC 5652), the form iOS
 * shows as "Verified" when the signer chains to a root it trusts. Signer
 * identified by issuer and serial number, SHA-256, signed attributes, the
 * signer's chain carried in the envelope.
 */

const OID = {
  signedData: "1.2.840.113549.1.7.2",
  data: "1.2.840.113549.1.7.1",
  contentType: "1.2.840.113549.1.9.3",
  messageDigest: "1.2.840.113549.1.9.4",
  signingTime: "1.2.840.113549.1.9.5",
  sha256: "2.16.840.1.101.3.4.2.1",
  rsaEncryption: "1.2.840.113549.1.1.1",
  ecdsaSha256: "1.2.840.10045.4.3.2",
};

export type CmsSigner = { certificates: Buffer[]; privateKey: KeyObject };

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The signer from PEM text: the first certificate is the signer's, the rest its chain. */
export function loadCmsSigner(certPem: string, keyPem: string): CmsSigner {
  const pems = certPem.match(PEM_CERT) ?? [];
  if (pems.length === 0) throw new Error("no PEM certificate found");
  const certificates = pems.map((pem) => Buffer.from(new X509Certificate(pem).raw));
  const privateKey = createPrivateKey(keyPem);
  const leaf = new X509Certificate(certificates[0] as Buffer);
  if (!leaf.checkPrivateKey(privateKey)) throw new Error("the private key does not belong to the first certificate");
  return { certificates, privateKey };
}

/** The issuer Name (DER) and serial number (INTEGER content) of a certificate. */
function issuerAndSerial(cert: Buffer): Buffer {
  const root = expectUniversal(readElement(cert, 0), TAG_SEQUENCE, "a Certificate");
  const tbs = expectUniversal(children(cert, root)[0], TAG_SEQUENCE, "a TBSCertificate");
  const parts = children(cert, tbs);
  let i = 0;
  if (isContext(parts[i], 0)) i++;
  const serial = expectUniversal(parts[i++], TAG_INTEGER, "a serial number");
  i++; // signature algorithm
  const issuer = expectUniversal(parts[i], TAG_SEQUENCE, "an issuer Name");
  return der.seq(encoding(cert, issuer), tlv(0x02, content(cert, serial)));
}

export function signCms(payload: Buffer, signer: CmsSigner, now = new Date()): Buffer {
  const leaf = signer.certificates[0];
  if (!leaf) throw new Error("no signer certificate");
  const isEc = signer.privateKey.asymmetricKeyType === "ec";
  const digestAlg = der.seq(der.oid(OID.sha256), der.nul());
  const attrSet = der.set(
    der.seq(der.oid(OID.contentType), der.set(der.oid(OID.data))),
    der.seq(der.oid(OID.signingTime), der.set(der.utcTime(now))),
    der.seq(der.oid(OID.messageDigest), der.set(der.octets(createHash("sha256").update(payload).digest()))),
  );
  const signature = sign("sha256", attrSet, signer.privateKey);
  const signatureAlg = isEc ? der.seq(der.oid(OID.ecdsaSha256)) : der.seq(der.oid(OID.rsaEncryption), der.nul());
  const signerInfo = der.seq(
    der.smallInt(1),
    issuerAndSerial(leaf),
    digestAlg,
    // [0] IMPLICIT SET OF Attribute: same bytes as the SET with another tag.
    Buffer.concat([Buffer.from([0xa0]), attrSet.subarray(1)]),
    signatureAlg,
    der.octets(signature),
  );
  const signedData = der.seq(
    der.smallInt(1),
    der.set(digestAlg),
    der.seq(der.oid(OID.data), der.ctx(0, der.octets(payload))),
    der.ctx(0, Buffer.concat(signer.certificates)),
    der.set(signerInfo),
  );
  return der.seq(der.oid(OID.signedData), der.ctx(0, signedData));
}
