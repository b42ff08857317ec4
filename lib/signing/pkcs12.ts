import { createDecipheriv, createHash, createHmac, pbkdf2Sync, timingSafeEqual } from "node:crypto";
import * as asn1js from "asn1js";
import { AppError } from "@/lib/errors";
import { rc2CbcDecrypt } from "@/lib/signing/rc2";

/**
 * A bounded PKCS#12 (RFC 7292) reader: the integrity MAC, encrypted safe
 * contents and shrouded key bags, with both encryption families real files
 * use: legacy PKCS#12 PBE (the RFC 7292 appendix B KDF, 3DES / RC2: what
 * macOS Keychain exports) and PBES2 (PBKDF2 + AES-CBC: OpenSSL 3's default).
 * Every iteration count is checked against a cap before any work, and the
 * file's total key-derivation work is budgeted, so a hostile file is refused
 * at once. The password never appears in an error.
 */

/** A .p12 holding one identity and its chain is a few KiB; 64 KiB leaves room for long chains. */
export const MAX_PKCS12_BYTES = 64 * 1024;
/** Per derivation. Real exports use 2,000–2,048 (OpenSSL, Keychain, Windows) up to ~600,000 (OWASP's PBKDF2 advice). */
export const MAX_KDF_ITERATIONS = 1_000_000;
/**
 * All derivations of one file together (MAC, each encrypted bag's key and IV),
 * in hash computations: about 1.5 s of CPU at most. The PKCS#12 KDF runs in
 * JavaScript, about 4× slower per hash than Node's native PBKDF2, so it is
 * charged 4 per hash.
 */
const MAX_WORK = 4_000_000;
const PKCS12_KDF_WEIGHT = 4;
const MAX_BAGS = 32;
const MAX_NESTING = 4;

const OID = {
  data: "1.2.840.113549.1.7.1",
  encryptedData: "1.2.840.113549.1.7.6",
  keyBag: "1.2.840.113549.1.12.10.1.1",
  shroudedKeyBag: "1.2.840.113549.1.12.10.1.2",
  certBag: "1.2.840.113549.1.12.10.1.3",
  safeContentsBag: "1.2.840.113549.1.12.10.1.6",
  x509Certificate: "1.2.840.113549.1.9.22.1",
  localKeyId: "1.2.840.113549.1.9.21",
  pbes2: "1.2.840.113549.1.5.13",
  pbkdf2: "1.2.840.113549.1.5.12",
} as const;

const HASHES: Record<string, { name: string; blockSize: number }> = {
  "1.3.14.3.2.26": { name: "sha1", blockSize: 64 },
  "2.16.840.1.101.3.4.2.4": { name: "sha224", blockSize: 64 },
  "2.16.840.1.101.3.4.2.1": { name: "sha256", blockSize: 64 },
  "2.16.840.1.101.3.4.2.2": { name: "sha384", blockSize: 128 },
  "2.16.840.1.101.3.4.2.3": { name: "sha512", blockSize: 128 },
};

// PKCS#12 PBE (RFC 7292 appendix C), all SHA-1 based.
const PKCS12_PBE: Record<string, { cipher: "des-ede3-cbc" | "des-ede-cbc" | "rc2"; keyLength: number }> = {
  "1.2.840.113549.1.12.1.3": { cipher: "des-ede3-cbc", keyLength: 24 },
  "1.2.840.113549.1.12.1.4": { cipher: "des-ede-cbc", keyLength: 16 },
  "1.2.840.113549.1.12.1.5": { cipher: "rc2", keyLength: 16 },
  "1.2.840.113549.1.12.1.6": { cipher: "rc2", keyLength: 5 },
};

const PBKDF2_PRFS: Record<string, string> = {
  "1.2.840.113549.2.7": "sha1",
  "1.2.840.113549.2.8": "sha224",
  "1.2.840.113549.2.9": "sha256",
  "1.2.840.113549.2.10": "sha384",
  "1.2.840.113549.2.11": "sha512",
};

const PBES2_CIPHERS: Record<string, { name: string; keyLength: number }> = {
  "2.16.840.1.101.3.4.1.2": { name: "aes-128-cbc", keyLength: 16 },
  "2.16.840.1.101.3.4.1.22": { name: "aes-192-cbc", keyLength: 24 },
  "2.16.840.1.101.3.4.1.42": { name: "aes-256-cbc", keyLength: 32 },
  "1.2.840.113549.3.7": { name: "des-ede3-cbc", keyLength: 24 },
};

export interface Pkcs12Contents {
  /** PKCS#8 PrivateKeyInfo DER of every key bag, decrypted. */
  keys: Array<{ der: Buffer; localKeyId: string | null }>;
  /** X.509 DER of every certificate bag. */
  certificates: Array<{ der: Buffer; localKeyId: string | null }>;
}

function unreadable(detail: string): AppError {
  return new AppError("signing_identity_unreadable", `This file is not a readable PKCS#12 (.p12) file: ${detail}.`);
}

function wrongPassword(): AppError {
  return new AppError("signing_identity_wrong_password", "The password for this .p12 file is not correct.");
}

type Node = asn1js.AsnType;

function parseDer(bytes: Uint8Array): Node {
  const parsed = asn1js.fromBER(bytes);
  if (parsed.offset === -1) throw unreadable("it is not ASN.1");
  return parsed.result;
}

function children(node: Node | undefined, what: string): Node[] {
  if (!(node instanceof asn1js.Sequence) && !(node instanceof asn1js.Set))
    throw unreadable(`${what} is not a sequence`);
  return node.valueBlock.value;
}

function oidOf(node: Node | undefined, what: string): string {
  if (!(node instanceof asn1js.ObjectIdentifier)) throw unreadable(`${what} is not an object identifier`);
  return node.valueBlock.toString();
}

/** The bytes of an OCTET STRING, primitive or constructed (BER chunks), or of an implicitly tagged one. */
function octetsOf(node: Node | undefined, what: string, depth = 0): Buffer {
  if (!node || depth > 8) throw unreadable(`${what} is missing`);
  if (node instanceof asn1js.OctetString && !node.idBlock.isConstructed) {
    return Buffer.from(node.valueBlock.valueHexView);
  }
  if (node instanceof asn1js.Constructed || (node instanceof asn1js.OctetString && node.idBlock.isConstructed)) {
    const parts = (node.valueBlock as { value: Node[] }).value;
    return Buffer.concat(parts.map((part) => octetsOf(part, what, depth + 1)));
  }
  if (node instanceof asn1js.Primitive) return Buffer.from(node.valueBlock.valueHexView);
  throw unreadable(`${what} is not an octet string`);
}

/** The single element inside an explicit [0] tag. */
function explicitContent(node: Node | undefined, what: string): Node {
  if (!(node instanceof asn1js.Constructed) || node.idBlock.tagClass !== 3 || node.idBlock.tagNumber !== 0) {
    throw unreadable(`${what} has no content`);
  }
  const [inner] = node.valueBlock.value;
  if (!inner) throw unreadable(`${what} is empty`);
  return inner;
}

function integerOf(node: Node | undefined, what: string): bigint {
  if (!(node instanceof asn1js.Integer)) throw unreadable(`${what} is not an integer`);
  return node.toBigInt();
}

/** Charges a derivation's work against the file's budget before any of it is done. */
class WorkBudget {
  private spent = 0;
  /** `iterations` from the file; `blocks` hash outputs each (the key length over the digest size); `weight` per hash. */
  charge(iterations: bigint, blocks: number, weight: number): number {
    if (iterations < 1n) throw unreadable("an iteration count is not positive");
    if (iterations > BigInt(MAX_KDF_ITERATIONS)) {
      throw new AppError(
        "signing_identity_too_costly",
        `This .p12 file asks for ${iterations} key-derivation iterations; Ferry accepts at most ${MAX_KDF_ITERATIONS}. Export it again with default settings.`,
      );
    }
    const count = Number(iterations);
    this.spent += count * blocks * weight;
    if (this.spent > MAX_WORK) {
      throw new AppError(
        "signing_identity_too_costly",
        "This .p12 file asks for more key-derivation work than Ferry accepts. Export it again with default settings.",
      );
    }
    return count;
  }
}

/** The password as PKCS#12 wants it for its own KDF: BMPString (UTF-16BE) with a two-byte terminator. */
function bmpPassword(password: string): Buffer {
  const out = Buffer.alloc(password.length * 2 + 2);
  for (let i = 0; i < password.length; i++) out.writeUInt16BE(password.charCodeAt(i), i * 2);
  return out;
}

/** RFC 7292 appendix B.2: id 1 a cipher key, 2 an IV, 3 a MAC key. */
export function pkcs12Kdf(
  hash: string,
  blockSize: number,
  password: Buffer,
  salt: Buffer,
  id: 1 | 2 | 3,
  iterations: number,
  length: number,
): Buffer {
  const v = blockSize;
  const fill = (source: Buffer) => {
    if (source.length === 0) return Buffer.alloc(0);
    const out = Buffer.alloc(v * Math.ceil(source.length / v));
    for (let i = 0; i < out.length; i++) out[i] = source[i % source.length] ?? 0;
    return out;
  };
  const d = Buffer.alloc(v, id);
  const input = Buffer.concat([fill(salt), fill(password)]);
  const blocks: Buffer[] = [];
  let produced = 0;
  while (produced < length) {
    let a = createHash(hash).update(d).update(input).digest();
    for (let r = 1; r < iterations; r++) a = createHash(hash).update(a).digest();
    blocks.push(a);
    produced += a.length;
    if (produced >= length) break;
    // I_j = (I_j + B + 1) mod 2^(8v), B being A repeated to v bytes.
    const b = fill(a).subarray(0, v);
    for (let j = 0; j < input.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = (input[j + k] ?? 0) + (b[k] ?? 0) + carry;
        input[j + k] = sum & 0xff;
        carry = sum >>> 8;
      }
    }
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/**
 * Decrypted bytes must be one whole DER SEQUENCE. Without a MAC, a wrong
 * password shows only here: CBC padding alone passes by chance 1 time in 256.
 */
function decryptedDer(plain: Buffer): Buffer {
  if (plain[0] !== 0x30 || asn1js.fromBER(plain).offset !== plain.length) throw wrongPassword();
  return plain;
}

function decipher(name: string, key: Buffer, iv: Buffer, data: Buffer): Buffer {
  const d = createDecipheriv(name, key, iv);
  return Buffer.concat([d.update(data), d.final()]);
}

/** Decrypts `data` as the AlgorithmIdentifier `algorithm` says; a padding failure means a wrong password. */
function decrypt(algorithm: Node | undefined, data: Buffer, password: string, budget: WorkBudget): Buffer {
  const [oidNode, params] = children(algorithm, "the encryption algorithm");
  const oid = oidOf(oidNode, "the encryption algorithm");
  const legacy = PKCS12_PBE[oid];
  if (legacy) {
    const [salt, iterations] = children(params, "the PBE parameters");
    // Key and IV are derived separately, 20 bytes (one SHA-1 output) at a time.
    const blocks = Math.ceil(legacy.keyLength / 20) + 1;
    const count = budget.charge(integerOf(iterations, "the PBE iteration count"), blocks, PKCS12_KDF_WEIGHT);
    const saltBytes = octetsOf(salt, "the PBE salt");
    const pass = bmpPassword(password);
    const key = pkcs12Kdf("sha1", 64, pass, saltBytes, 1, count, legacy.keyLength);
    const iv = pkcs12Kdf("sha1", 64, pass, saltBytes, 2, count, 8);
    try {
      return legacy.cipher === "rc2"
        ? rc2CbcDecrypt(key, legacy.keyLength * 8, iv, data)
        : decipher(legacy.cipher, key, iv, data);
    } catch {
      throw wrongPassword();
    }
  }
  if (oid === OID.pbes2) {
    const [kdf, scheme] = children(params, "the PBES2 parameters");
    const [kdfOid, kdfParams] = children(kdf, "the PBES2 key derivation");
    if (oidOf(kdfOid, "the PBES2 key derivation") !== OID.pbkdf2) throw unreadable("its key derivation is not PBKDF2");
    const [salt, iterations, ...rest] = children(kdfParams, "the PBKDF2 parameters");
    const prfNode = rest.find((n) => n instanceof asn1js.Sequence);
    const prf = prfNode ? PBKDF2_PRFS[oidOf(children(prfNode, "the PBKDF2 PRF")[0], "the PBKDF2 PRF")] : "sha1";
    if (!prf) throw unreadable("its PBKDF2 hash is not supported");
    const [cipherOid, ivNode] = children(scheme, "the PBES2 cipher");
    const cipher = PBES2_CIPHERS[oidOf(cipherOid, "the PBES2 cipher")];
    if (!cipher) throw unreadable("its PBES2 cipher is not supported");
    const blocks = Math.ceil(cipher.keyLength / createHash(prf).digest().length);
    // HMAC is two hashes per iteration.
    const count = budget.charge(integerOf(iterations, "the PBKDF2 iteration count"), blocks, 2);
    const iv = octetsOf(ivNode, "the PBES2 IV");
    // PBES2 takes the password's UTF-8 bytes (as OpenSSL writes it), not PKCS#12's BMPString.
    const key = pbkdf2Sync(
      Buffer.from(password, "utf8"),
      octetsOf(salt, "the PBKDF2 salt"),
      count,
      cipher.keyLength,
      prf,
    );
    try {
      return decipher(cipher.name, key, iv, data);
    } catch {
      throw wrongPassword();
    }
  }
  throw unreadable(`its encryption (${oid}) is not supported`);
}

/** RFC 7292 section 5.1: the HMAC over the authenticated safe, keyed from the password. */
function verifyMac(macData: Node, content: Buffer, password: string, budget: WorkBudget): void {
  const [digestInfo, saltNode, iterationsNode] = children(macData, "the MAC");
  const [algorithm, digestNode] = children(digestInfo, "the MAC digest");
  const hash = HASHES[oidOf(children(algorithm, "the MAC algorithm")[0], "the MAC algorithm")];
  if (!hash) throw unreadable("its MAC hash is not supported");
  const iterations = iterationsNode ? integerOf(iterationsNode, "the MAC iteration count") : 1n;
  const expected = octetsOf(digestNode, "the MAC digest");
  const salt = octetsOf(saltNode, "the MAC salt");
  const size = createHash(hash.name).digest().length;
  const candidates = [bmpPassword(password)];
  // An empty password is written either way: as an empty BMPString with its terminator, or as no bytes at all.
  if (password === "") candidates.push(Buffer.alloc(0));
  for (const pass of candidates) {
    const count = budget.charge(iterations, 1, PKCS12_KDF_WEIGHT);
    const key = pkcs12Kdf(hash.name, hash.blockSize, pass, salt, 3, count, size);
    const mac = createHmac(hash.name, key).update(content).digest();
    if (mac.length === expected.length && timingSafeEqual(mac, expected)) return;
  }
  throw wrongPassword();
}

function localKeyIdOf(attributes: Node | undefined): string | null {
  if (!(attributes instanceof asn1js.Set)) return null;
  for (const attribute of attributes.valueBlock.value) {
    if (!(attribute instanceof asn1js.Sequence)) continue;
    const [type, values] = attribute.valueBlock.value;
    if (type instanceof asn1js.ObjectIdentifier && type.valueBlock.toString() === OID.localKeyId) {
      const first = values instanceof asn1js.Set ? values.valueBlock.value[0] : undefined;
      return first instanceof asn1js.OctetString ? Buffer.from(first.valueBlock.valueHexView).toString("hex") : null;
    }
  }
  return null;
}

function readSafeContents(
  bytes: Buffer,
  password: string,
  budget: WorkBudget,
  out: Pkcs12Contents,
  depth: number,
): void {
  if (depth > MAX_NESTING) throw unreadable("its bags nest too deeply");
  for (const bag of children(parseDer(bytes), "the safe contents")) {
    if (out.keys.length + out.certificates.length >= MAX_BAGS) throw unreadable("it holds too many items");
    const [bagId, bagValue, attributes] = children(bag, "a safe bag");
    const type = oidOf(bagId, "a safe bag type");
    const value = explicitContent(bagValue, "a safe bag");
    const localKeyId = localKeyIdOf(attributes);
    if (type === OID.keyBag) {
      out.keys.push({ der: Buffer.from(value.toBER(false)), localKeyId });
    } else if (type === OID.shroudedKeyBag) {
      const [algorithm, encrypted] = children(value, "an encrypted key");
      const der = decryptedDer(decrypt(algorithm, octetsOf(encrypted, "an encrypted key"), password, budget));
      out.keys.push({ der, localKeyId });
    } else if (type === OID.certBag) {
      const [certType, certValue] = children(value, "a certificate bag");
      // Only X.509 certificates (SDSI certificates never occur in signing identities).
      if (oidOf(certType, "a certificate type") !== OID.x509Certificate) continue;
      out.certificates.push({
        der: octetsOf(explicitContent(certValue, "a certificate"), "a certificate"),
        localKeyId,
      });
    } else if (type === OID.safeContentsBag) {
      readSafeContents(Buffer.from(value.toBER(false)), password, budget, out, depth + 1);
    }
    // CRL and secret bags carry nothing a signing identity needs.
  }
}

/**
 * Reads a PKCS#12 file: checks its MAC with `password` (a wrong password is
 * `signing_identity_wrong_password`), then decrypts every bag.
 */
export function readPkcs12(file: Buffer, password: string): Pkcs12Contents {
  if (file.length > MAX_PKCS12_BYTES) {
    throw new AppError(
      "payload_too_large",
      `A .p12 file must be at most ${MAX_PKCS12_BYTES / 1024} KiB; this one is ${Math.ceil(file.length / 1024)} KiB.`,
    );
  }
  if (file.length === 0 || file[0] !== 0x30) throw unreadable("it does not start like one");
  const budget = new WorkBudget();
  const [version, authSafe, macData] = children(parseDer(file), "the file");
  if (integerOf(version, "the version") !== 3n) throw unreadable("its version is not 3");
  const [contentType, content] = children(authSafe, "the authenticated safe");
  // Public-key integrity mode (signedData) is never used by Keychain or OpenSSL exports.
  if (oidOf(contentType, "the authenticated safe type") !== OID.data) {
    throw unreadable("it is not password-protected");
  }
  const safe = octetsOf(explicitContent(content, "the authenticated safe"), "the authenticated safe");
  if (macData) verifyMac(macData, safe, password, budget);
  const out: Pkcs12Contents = { keys: [], certificates: [] };
  for (const info of children(parseDer(safe), "the authenticated safe")) {
    const [type, value] = children(info, "a content");
    const oid = oidOf(type, "a content type");
    if (oid === OID.data) {
      readSafeContents(octetsOf(explicitContent(value, "a content"), "a content"), password, budget, out, 0);
    } else if (oid === OID.encryptedData) {
      const [, encryptedContentInfo] = children(explicitContent(value, "encrypted content"), "encrypted content");
      const [, algorithm, encrypted] = children(encryptedContentInfo, "encrypted content");
      const plain = decryptedDer(decrypt(algorithm, octetsOf(encrypted, "encrypted content"), password, budget));
      readSafeContents(plain, password, budget, out, 0);
    } else {
      throw unreadable("part of it is encrypted to a public key");
    }
  }
  return out;
}
