import { createHash, createPrivateKey, type KeyObject, sign, X509Certificate } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { arrayBufferOf, primitiveContent } from "@/lib/analysis/profile/cms";

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

const attribute = (type: string, value: asn1js.AsnType) => new pkijs.Attribute({ type, values: [value] });

export function signCms(payload: Buffer, signer: CmsSigner, now = new Date()): Buffer {
  const leafDer = signer.certificates[0];
  if (!leafDer) throw new Error("no signer certificate");
  const certificates = signer.certificates.map((der) => pkijs.Certificate.fromBER(arrayBufferOf(der)));
  const leaf = certificates[0] as pkijs.Certificate;
  const isEc = signer.privateKey.asymmetricKeyType === "ec";
  const sha256 = () => new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256, algorithmParams: new asn1js.Null() });
  // DER SET OF: the attributes in the order of their encodings (X.690 11.6), so a verifier that re-encodes
  // them (OpenSSL) signs over the same bytes.
  const attributes = [
    attribute(OID.contentType, new asn1js.ObjectIdentifier({ value: OID.data })),
    attribute(OID.signingTime, new asn1js.UTCTime({ valueDate: now })),
    attribute(
      OID.messageDigest,
      new asn1js.OctetString({ valueHex: arrayBufferOf(createHash("sha256").update(payload).digest()) }),
    ),
  ]
    .map((attr) => ({ attr, der: Buffer.from(attr.toSchema().toBER()) }))
    .sort((x, y) => Buffer.compare(x.der, y.der))
    .map(({ attr }) => attr);
  const signedInput = Buffer.from(new asn1js.Set({ value: attributes.map((a) => a.toSchema()) }).toBER());
  const signature = sign("sha256", signedInput, signer.privateKey);
  const signerInfo = new pkijs.SignerInfo({
    version: 1,
    sid: new pkijs.IssuerAndSerialNumber({ issuer: leaf.issuer, serialNumber: leaf.serialNumber }),
    digestAlgorithm: sha256(),
    signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes }),
    signatureAlgorithm: isEc
      ? new pkijs.AlgorithmIdentifier({ algorithmId: OID.ecdsaSha256 })
      : new pkijs.AlgorithmIdentifier({ algorithmId: OID.rsaEncryption, algorithmParams: new asn1js.Null() }),
    signature: new asn1js.OctetString({ valueHex: arrayBufferOf(signature) }),
  });
  const signedData = new pkijs.SignedData({
    version: 1,
    digestAlgorithms: [sha256()],
    encapContentInfo: primitiveContent(payload),
    certificates,
    signerInfos: [signerInfo],
  });
  const info = new pkijs.ContentInfo({ contentType: OID.signedData, content: signedData.toSchema(true) });
  return Buffer.from(info.toSchema().toBER());
}
