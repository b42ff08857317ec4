import { createPrivateKey, createPublicKey, type KeyObject, X509Certificate } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { AppError } from "@/lib/errors";
import { MAX_PEM_BYTES } from "@/lib/http/body-limits";
import { readPkcs12 } from "@/lib/signing/pkcs12";

/**
 * A signing identity as an admin uploads it: a .p12 with its password, or a
 * PEM certificate (optionally followed by its chain) plus a PEM private key
 * (PKCS#1, SEC1 or PKCS#8, RSA or EC; an encrypted PKCS#8 with its password).
 * The result is checked: the key matches the certificate, and the certificate
 * may sign code. The password and key never appear in an error.
 */
export interface SigningIdentity {
  certificate: X509Certificate;
  /** Other certificates the upload carried, from the leaf's issuer upwards (intermediates, maybe the root). */
  chain: X509Certificate[];
  privateKey: KeyObject;
  commonName: string;
  /** The subject's organizational unit: Apple puts the team identifier there. */
  teamId: string | null;
  /** Upper-case hex, as X509Certificate gives it. */
  serial: string;
  notAfter: Date;
}

const OID = {
  commonName: "2.5.4.3",
  organizationalUnit: "2.5.4.11",
  keyUsage: "2.5.29.15",
  extendedKeyUsage: "2.5.29.37",
  codeSigning: "1.3.6.1.5.5.7.3.3",
  anyExtendedKeyUsage: "2.5.29.37.0",
} as const;

function spkiOf(key: KeyObject): Buffer {
  return key.export({ type: "spki", format: "der" });
}

function subjectValue(cert: pkijs.Certificate, type: string): string | null {
  const found = cert.subject.typesAndValues.find((tv) => tv.type === type);
  const value = found?.value.valueBlock as { value?: unknown } | undefined;
  return typeof value?.value === "string" ? value.value : null;
}

/**
 * Whether the certificate may sign code. Decision: RFC 5280 semantics: a key
 * usage extension, when present, must allow digitalSignature, and an extended
 * key usage, when present, must list code signing (or anyExtendedKeyUsage).
 * Apple's development and distribution certificates carry both.
 */
function codeSigningProblem(cert: pkijs.Certificate): string | null {
  for (const extension of cert.extensions ?? []) {
    if (extension.extnID === OID.keyUsage) {
      const parsed = asn1js.fromBER(extension.extnValue.valueBlock.valueHexView);
      const bits = parsed.result instanceof asn1js.BitString ? parsed.result.valueBlock.valueHexView : null;
      // digitalSignature is bit 0: the top bit of the first byte.
      if (!bits || ((bits[0] ?? 0) & 0x80) === 0) return "its key usage does not allow digital signatures";
    }
    if (extension.extnID === OID.extendedKeyUsage) {
      const parsed = asn1js.fromBER(extension.extnValue.valueBlock.valueHexView);
      const purposes =
        parsed.result instanceof asn1js.Sequence
          ? parsed.result.valueBlock.value.map((v) =>
              v instanceof asn1js.ObjectIdentifier ? v.valueBlock.toString() : "",
            )
          : [];
      if (!purposes.includes(OID.codeSigning) && !purposes.includes(OID.anyExtendedKeyUsage)) {
        return "it is not issued for code signing";
      }
    }
  }
  return null;
}

/** Orders `pool` from the leaf's issuer upwards; certificates outside that path are dropped. */
function chainFor(leaf: X509Certificate, pool: X509Certificate[]): X509Certificate[] {
  const chain: X509Certificate[] = [];
  let current = leaf;
  const remaining = pool.filter((c) => c.fingerprint256 !== leaf.fingerprint256);
  for (let depth = 0; depth < 8; depth++) {
    const issuer = remaining.find((c) => current.checkIssued(c) && !chain.includes(c));
    if (!issuer) break;
    chain.push(issuer);
    if (issuer.checkIssued(issuer)) break;
    current = issuer;
  }
  return chain;
}

/** Builds and checks the identity from a key and the certificates that came with it. */
function assemble(
  privateKey: KeyObject,
  certificates: X509Certificate[],
  preferred?: X509Certificate,
): SigningIdentity {
  if (privateKey.asymmetricKeyType !== "rsa" && privateKey.asymmetricKeyType !== "ec") {
    throw new AppError(
      "signing_identity_unsuitable_certificate",
      `Code signatures use RSA or elliptic-curve keys; this key is ${privateKey.asymmetricKeyType ?? "of an unknown type"}.`,
    );
  }
  const publicKey = spkiOf(createPublicKey(privateKey));
  const certificate = [preferred, ...certificates].find((c) => c && spkiOf(c.publicKey).equals(publicKey)) ?? undefined;
  if (!certificate) {
    throw new AppError(
      "signing_identity_key_mismatch",
      "The private key does not belong to the certificate: upload the certificate that was issued for this key.",
    );
  }
  let parsed: pkijs.Certificate;
  try {
    parsed = pkijs.Certificate.fromBER(certificate.raw);
  } catch {
    throw new AppError("signing_identity_unreadable", "The certificate cannot be read.");
  }
  const problem = codeSigningProblem(parsed);
  if (problem) {
    throw new AppError(
      "signing_identity_unsuitable_certificate",
      `This certificate cannot sign code: ${problem}. Use an Apple development or distribution certificate.`,
    );
  }
  const commonName = subjectValue(parsed, OID.commonName);
  return {
    certificate,
    chain: chainFor(certificate, certificates),
    privateKey,
    commonName: commonName ?? certificate.subject.replaceAll("\n", ", "),
    teamId: subjectValue(parsed, OID.organizationalUnit),
    serial: certificate.serialNumber.toUpperCase(),
    notAfter: new Date(certificate.validTo),
  };
}

function certificateOf(der: Buffer): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch {
    throw new AppError("signing_identity_unreadable", "A certificate inside the file cannot be read.");
  }
}

/** Reads a .p12 (PKCS#12) file as exported by Keychain Access (legacy encryption) or OpenSSL 3 (PBES2). */
export function parsePkcs12Identity(file: Buffer, password: string): SigningIdentity {
  const contents = readPkcs12(file, password);
  if (contents.keys.length === 0) {
    throw new AppError(
      "signing_identity_no_private_key",
      "The .p12 file holds no private key: export the certificate together with its key (in Keychain Access, the identity under My Certificates).",
    );
  }
  if (contents.certificates.length === 0) {
    throw new AppError("signing_identity_no_certificate", "The .p12 file holds no certificate.");
  }
  const certificates = contents.certificates.map((c) => certificateOf(c.der));
  let lastMismatch: AppError | null = null;
  // A file could hold several keys: the identity is the first key that has its certificate here.
  for (const key of contents.keys) {
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey({ key: key.der, format: "der", type: "pkcs8" });
    } catch {
      throw new AppError("signing_identity_unreadable", "The private key inside the .p12 file cannot be read.");
    }
    const byId = contents.certificates.findIndex((c) => c.localKeyId !== null && c.localKeyId === key.localKeyId);
    try {
      return assemble(privateKey, certificates, byId >= 0 ? certificates[byId] : undefined);
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== "signing_identity_key_mismatch") throw error;
      lastMismatch = error;
    }
  }
  throw lastMismatch ?? new AppError("signing_identity_key_mismatch", "No certificate in the file matches its key.");
}

function pemText(value: string | Buffer, what: string): string {
  if (value.length > MAX_PEM_BYTES) {
    throw new AppError("payload_too_large", `The ${what} must be at most ${MAX_PEM_BYTES / 1024} KiB of PEM text.`);
  }
  return Buffer.isBuffer(value) ? value.toString("utf8") : value;
}

/**
 * Reads a PEM certificate (the leaf first, then any chain) and a PEM private
 * key. `password` is needed only for an encrypted PKCS#8 key
 * ("BEGIN ENCRYPTED PRIVATE KEY").
 */
export function parsePemIdentity(
  certificatePem: string | Buffer,
  keyPem: string | Buffer,
  password?: string,
): SigningIdentity {
  const certText = pemText(certificatePem, "certificate");
  const keyText = pemText(keyPem, "private key");
  const blocks = certText.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) {
    throw new AppError("signing_identity_no_certificate", "No PEM certificate (BEGIN CERTIFICATE) was found.");
  }
  const certificates = blocks.map((block) => certificateOf(Buffer.from(block)));
  const keyBlock = /-----BEGIN ((?:RSA |EC |ENCRYPTED )?PRIVATE KEY)-----[\s\S]+?-----END \1-----/.exec(keyText);
  if (!keyBlock) {
    throw new AppError(
      "signing_identity_no_private_key",
      "No PEM private key (BEGIN PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY) was found.",
    );
  }
  let privateKey: KeyObject;
  if (keyBlock[1] === "ENCRYPTED PRIVATE KEY") {
    privateKey = decryptPkcs8Pem(keyBlock[0], password ?? "");
  } else {
    try {
      privateKey = createPrivateKey({ key: keyBlock[0], format: "pem" });
    } catch {
      // A legacy "Proc-Type: 4,ENCRYPTED" PEM lands here too: node would need its password, Ferry asks for PKCS#8.
      throw new AppError(
        "signing_identity_unreadable",
        "The private key cannot be read: upload an unencrypted PEM key, or an encrypted PKCS#8 key with its password.",
      );
    }
  }
  return assemble(privateKey, certificates, certificates[0]);
}

/** An EncryptedPrivateKeyInfo, decrypted by the bounded PKCS#12 reader's ciphers (a one-bag .p12, in effect). */
function decryptPkcs8Pem(pem: string, password: string): KeyObject {
  const body = pem.replace(/-----(BEGIN|END) ENCRYPTED PRIVATE KEY-----/g, "").replace(/\s+/g, "");
  const der = Buffer.from(body, "base64");
  const keyBag = wrapAsShroudedKeyBag(der);
  let contents: ReturnType<typeof readPkcs12>;
  try {
    contents = readPkcs12(keyBag, password);
  } catch (error) {
    if (error instanceof AppError && error.code === "signing_identity_wrong_password") {
      throw new AppError("signing_identity_wrong_password", "The password for this private key is not correct.");
    }
    throw error;
  }
  const key = contents.keys[0];
  if (!key) throw new AppError("signing_identity_no_private_key", "The encrypted private key is empty.");
  try {
    return createPrivateKey({ key: key.der, format: "der", type: "pkcs8" });
  } catch {
    throw new AppError("signing_identity_wrong_password", "The password for this private key is not correct.");
  }
}

/** A MAC-less PFX holding `encryptedPrivateKeyInfo` as its one shrouded key bag. */
function wrapAsShroudedKeyBag(encryptedPrivateKeyInfo: Buffer): Buffer {
  const parsed = asn1js.fromBER(encryptedPrivateKeyInfo);
  if (parsed.offset === -1) throw new AppError("signing_identity_unreadable", "The encrypted private key is not DER.");
  const bag = new asn1js.Sequence({
    value: [
      new asn1js.ObjectIdentifier({ value: "1.2.840.113549.1.12.10.1.2" }),
      new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [parsed.result] }),
    ],
  });
  const safeContents = new asn1js.Sequence({ value: [bag] }).toBER();
  const authSafe = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({
        value: [
          new asn1js.ObjectIdentifier({ value: "1.2.840.113549.1.7.1" }),
          new asn1js.Constructed({
            idBlock: { tagClass: 3, tagNumber: 0 },
            value: [new asn1js.OctetString({ valueHex: safeContents })],
          }),
        ],
      }),
    ],
  }).toBER();
  return Buffer.from(
    new asn1js.Sequence({
      value: [
        new asn1js.Integer({ value: 3 }),
        new asn1js.Sequence({
          value: [
            new asn1js.ObjectIdentifier({ value: "1.2.840.113549.1.7.1" }),
            new asn1js.Constructed({
              idBlock: { tagClass: 3, tagNumber: 0 },
              value: [new asn1js.OctetString({ valueHex: authSafe })],
            }),
          ],
        }),
      ],
    }).toBER(),
  );
}
