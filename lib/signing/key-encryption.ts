import { createCipheriv, createDecipheriv, createPrivateKey, hkdfSync, type KeyObject, randomBytes } from "node:crypto";
import { env, requireAuthSecret } from "@/lib/config/env";
import { AppError } from "@/lib/errors";

/**
 * Signing keys at rest: AES-256-GCM of the PKCS#8 DER, under a key derived
 * with HKDF-SHA256 from SIGNING_KEY_SECRET (else AUTH_SECRET). The identity's
 * id is associated data, so a blob copied onto another row does not decrypt.
 *
 * Format, version 1: [0x01][12-byte random nonce][ciphertext][16-byte tag].
 */

const VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
// Distinct HKDF info per purpose and version: this key is used for nothing else.
const HKDF_INFO = "ferry/signing-key-encryption/v1";
const HKDF_SALT = "ferry-signing-keys";

/** The secret the keys are encrypted under: SIGNING_KEY_SECRET when set, else AUTH_SECRET. */
export function signingKeySecret(): string {
  return env().signingKeySecret ?? requireAuthSecret();
}

function keyFrom(secret: string): Buffer {
  return Buffer.from(hkdfSync("sha256", Buffer.from(secret, "utf8"), HKDF_SALT, HKDF_INFO, 32));
}

function associatedData(identityId: string): Buffer {
  return Buffer.from(`ferry-signing-key:v${VERSION}:${identityId}`, "utf8");
}

/** Encrypts `privateKey` for the row `identityId`. */
export function encryptSigningKey(privateKey: KeyObject, identityId: string, secret = signingKeySecret()): Buffer {
  const plain = privateKey.export({ type: "pkcs8", format: "der" });
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", keyFrom(secret), nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(associatedData(identityId));
  const encrypted = Buffer.concat([cipher.update(plain), cipher.final()]);
  plain.fill(0);
  return Buffer.concat([Buffer.from([VERSION]), nonce, encrypted, cipher.getAuthTag()]);
}

function unreadable(): AppError {
  // Deliberately vague about which of the three it is: none of them is the caller's to fix but by re-uploading.
  return new AppError(
    "signing_key_unreadable",
    "The stored signing key cannot be decrypted (it was changed, belongs to another identity, or SIGNING_KEY_SECRET/AUTH_SECRET changed). Upload the signing identity again.",
  );
}

/** Decrypts a blob from `encryptSigningKey` for the same `identityId` and secret. */
export function decryptSigningKey(blob: Buffer, identityId: string, secret = signingKeySecret()): KeyObject {
  if (blob.length < 1 + NONCE_BYTES + TAG_BYTES + 1 || blob[0] !== VERSION) throw unreadable();
  const nonce = blob.subarray(1, 1 + NONCE_BYTES);
  const tag = blob.subarray(blob.length - TAG_BYTES);
  const decipher = createDecipheriv("aes-256-gcm", keyFrom(secret), nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(associatedData(identityId));
  decipher.setAuthTag(tag);
  let plain: Buffer;
  try {
    plain = Buffer.concat([decipher.update(blob.subarray(1 + NONCE_BYTES, blob.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw unreadable();
  }
  try {
    return createPrivateKey({ key: plain, format: "der", type: "pkcs8" });
  } finally {
    plain.fill(0);
  }
}
