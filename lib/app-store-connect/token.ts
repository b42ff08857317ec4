import { createPrivateKey, type KeyObject, sign } from "node:crypto";
import { AppError } from "@/lib/errors";

/**
 * The bearer token of the App Store Connect API ("Generating tokens for API
 * requests"): a JWT signed ES256 with the team's API key, header `kid`,
 * claims `iss` (issuer id), `iat`, `exp` (Apple refuses more than 20 minutes
 * ahead) and `aud` "appstoreconnect-v1". A token is reused until a minute
 * before it expires: Apple asks clients not to mint one per request.
 */

export const TOKEN_LIFETIME_SECONDS = 15 * 60;
const RENEW_BEFORE_SECONDS = 60;

export type AppStoreConnectKey = { issuerId: string; keyId: string; privateKey: KeyObject };

/** The .p8 Apple lets one download once: a PKCS#8 PEM of a P-256 key. */
export function parseP8(p8: string | Buffer): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: p8, format: "pem" });
  } catch {
    throw new AppError(
      "asc_key_invalid",
      'The private key is not a .p8 file (a PEM "PRIVATE KEY") from App Store Connect.',
    );
  }
  if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1") {
    throw new AppError("asc_key_invalid", "The private key is not an App Store Connect API key (a P-256 key).");
  }
  return key;
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");

export function makeToken(key: AppStoreConnectKey, now = Date.now()): { token: string; expiresAt: number } {
  const iat = Math.floor(now / 1000);
  const exp = iat + TOKEN_LIFETIME_SECONDS;
  const input = `${b64({ alg: "ES256", kid: key.keyId, typ: "JWT" })}.${b64({ iss: key.issuerId, iat, exp, aud: "appstoreconnect-v1" })}`;
  // JWS wants r||s (IEEE P1363), not the DER node signs by default.
  const signature = sign("sha256", Buffer.from(input), { key: key.privateKey, dsaEncoding: "ieee-p1363" });
  return { token: `${input}.${signature.toString("base64url")}`, expiresAt: exp * 1000 };
}

/** A token source that reuses its token until shortly before expiry. */
export function tokenSource(key: AppStoreConnectKey, clock: () => number = Date.now): () => string {
  let current: { token: string; expiresAt: number } | null = null;
  return () => {
    const now = clock();
    if (!current || current.expiresAt - now < RENEW_BEFORE_SECONDS * 1000) current = makeToken(key, now);
    return current.token;
  };
}
