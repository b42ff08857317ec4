import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import { AppError } from "@/lib/errors";

/**
 * Signed, expiring, per-user install tokens.
 *
 * iOS fetches the manifest, the .ipa and the icons from a system daemon that
 * sends no cookies, so authorization travels in the URL path instead. A token
 * is `base64url(payload) + "." + base64url(mac)`: only URL-path-safe
 * characters, no percent-encoding needed, short enough for a QR code.
 *
 * Payload (binary, to stay short even with three UUIDs — ~160 chars total):
 *   u8  version (3)
 *   u32 expiry, unix seconds, big-endian (good until 2106)
 *   u32 the user's session version when minted, big-endian: bumping it (disable,
 *       sign out everywhere, new password) stops every link minted before, for
 *       good, even once the user is enabled again.
 *   u8  byte length of buildId, then buildId as UTF-8
 *   u8  byte length of userId,  then userId as UTF-8
 *   u8  0, or 16 and the raw bytes of the browser session's id (a UUID) that
 *       minted the link: signing that session out stops it. Links minted for an
 *       API token or by the CLI carry none.
 * Version 1 (no user version) is no longer accepted: it would outlive a revocation.
 * Version 2 (no session field) is still read, as a link minted by no session, so
 * links handed out before an upgrade keep working until they expire (every
 * revocation but a single session's sign-out still reaches them).
 *
 * The MAC is HMAC-SHA256 truncated to 128 bits (RFC 2104 §5 allows truncation
 * to ≥ half the output; 2^-128 forgery odds per guess). It is keyed with a
 * key derived from the secret by HKDF with a purpose label, so a secret shared
 * with e.g. session signing never produces interchangeable signatures.
 */

export interface InstallTokenClaims {
  buildId: string;
  userId: string;
  /** The user's session version when the link was minted; checked at use. */
  userVersion: number;
  /** The browser session that minted the link (checked at use: not signed out), or null. */
  sessionId?: string | null;
  expiresAt: Date;
}

export type VerifiedInstallToken = Required<InstallTokenClaims>;

const VERSION = 3;
const LEGACY_VERSION = 2;
const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UUID_BYTES = 16;
const MAX_USER_VERSION = 0xffffffff;
const MAC_BYTES = 16;
const MAX_ID_BYTES = 255;
const MAX_EXPIRY_SECONDS = 0xffffffff;
const MIN_SECRET_LENGTH = 16;
// Far above any token we mint; caps the work done on hostile input.
const MAX_TOKEN_LENGTH = 1024;
const HKDF_INFO = "ferry install-link v1";
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export function signInstallToken(claims: InstallTokenClaims, secret: string): string {
  const { buildId, userId, userVersion, expiresAt } = claims;
  const sessionBytes = encodeSessionId(claims.sessionId ?? null);
  if (!Number.isInteger(userVersion) || userVersion < 0 || userVersion > MAX_USER_VERSION) {
    throw new RangeError("userVersion must be an integer between 0 and 2^32-1");
  }
  const expiresMs = expiresAt instanceof Date ? expiresAt.getTime() : Number.NaN;
  if (!Number.isFinite(expiresMs)) {
    throw new RangeError("expiresAt must be a valid Date");
  }
  // Round down: a token may expire slightly early, never late.
  const expirySeconds = Math.floor(expiresMs / 1000);
  if (expirySeconds < 0 || expirySeconds > MAX_EXPIRY_SECONDS) {
    throw new RangeError("expiresAt is out of range for an install token");
  }

  const buildBytes = encodeId(buildId, "buildId");
  const userBytes = encodeId(userId, "userId");

  const payload = Buffer.alloc(1 + 4 + 4 + 1 + buildBytes.length + 1 + userBytes.length + 1 + sessionBytes.length);
  let offset = payload.writeUInt8(VERSION, 0);
  offset = payload.writeUInt32BE(expirySeconds, offset);
  offset = payload.writeUInt32BE(userVersion, offset);
  offset = payload.writeUInt8(buildBytes.length, offset);
  offset += buildBytes.copy(payload, offset);
  offset = payload.writeUInt8(userBytes.length, offset);
  offset += userBytes.copy(payload, offset);
  offset = payload.writeUInt8(sessionBytes.length, offset);
  sessionBytes.copy(payload, offset);

  const signature = computeMac(deriveKey(secret), payload);
  return `${payload.toString("base64url")}.${signature.toString("base64url")}`;
}

/**
 * Returns the claims of a genuine, unexpired token. Throws only AppError:
 * `invalid_token` for anything malformed or not signed by us, `expired_token`
 * for a genuine token past its expiry.
 */
export function verifyInstallToken(token: string, secret: string, now: Date = new Date()): VerifiedInstallToken {
  const nowMs = now instanceof Date ? now.getTime() : Number.NaN;
  if (!Number.isFinite(nowMs)) {
    throw new AppError("internal", "The server clock could not be read.");
  }
  // Derive the key first so a misconfigured secret surfaces as such rather
  // than as an "invalid link" for every user.
  const key = deriveKey(secret);

  if (typeof token !== "string" || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
    throw invalid();
  }
  const parts = token.split(".");
  if (parts.length !== 2) throw invalid();
  const [payloadPart, macPart] = parts as [string, string];

  const payload = decodeCanonicalBase64url(payloadPart);
  const mac = decodeCanonicalBase64url(macPart);
  if (payload === null || mac === null) throw invalid();

  // Authenticate before looking inside the payload at all.
  const expected = computeMac(key, payload);
  if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) {
    throw invalid();
  }

  const claims = parsePayload(payload);
  if (claims === null) throw invalid();

  if (nowMs >= claims.expiresAt.getTime()) {
    throw new AppError("expired_token", "This install link has expired. Open the app page again to get a fresh one.");
  }
  return claims;
}

function computeMac(key: Buffer, payload: Buffer): Buffer {
  return createHmac("sha256", key).update(payload).digest().subarray(0, MAC_BYTES);
}

function deriveKey(secret: string): Buffer {
  if (typeof secret !== "string" || secret.length < MIN_SECRET_LENGTH) {
    throw new AppError(
      "internal",
      `The install-link secret is missing or shorter than ${MIN_SECRET_LENGTH} characters.`,
    );
  }
  // HKDF costs more than the HMAC itself: derived once per secret, not on every request.
  if (derived?.secret !== secret) {
    derived = { secret, key: Buffer.from(hkdfSync("sha256", secret, Buffer.alloc(0), HKDF_INFO, 32)) };
  }
  return derived.key;
}

let derived: { secret: string; key: Buffer } | undefined;

function encodeId(id: string, label: string): Buffer {
  if (typeof id !== "string" || id.length === 0) {
    throw new RangeError(`${label} must be a non-empty string`);
  }
  const bytes = Buffer.from(id, "utf8");
  if (bytes.length > MAX_ID_BYTES) {
    throw new RangeError(`${label} is longer than ${MAX_ID_BYTES} bytes`);
  }
  return bytes;
}

/**
 * Node's base64url decoder silently skips junk and ignores trailing bits, so
 * several strings decode to the same bytes. Requiring the canonical encoding
 * keeps tokens non-malleable (one valid spelling per token).
 */
function decodeCanonicalBase64url(part: string): Buffer | null {
  if (!BASE64URL.test(part)) return null;
  const bytes = Buffer.from(part, "base64url");
  if (bytes.length === 0 || bytes.toString("base64url") !== part) return null;
  return bytes;
}

/** A session id (UUID) as 16 raw bytes, or none. */
function encodeSessionId(sessionId: string | null): Buffer {
  if (sessionId === null) return Buffer.alloc(0);
  if (typeof sessionId !== "string" || !UUID_TEXT.test(sessionId)) throw new RangeError("sessionId must be a UUID");
  return Buffer.from(sessionId.replaceAll("-", ""), "hex");
}

function decodeSessionId(bytes: Buffer): string {
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function parsePayload(payload: Buffer): VerifiedInstallToken | null {
  let offset = 0;
  const remaining = (): number => payload.length - offset;

  if (remaining() < 1 + 4 + 4 + 1) return null;
  const version = payload.readUInt8(offset);
  if (version !== VERSION && version !== LEGACY_VERSION) return null;
  offset += 1;
  const expirySeconds = payload.readUInt32BE(offset);
  offset += 4;
  const userVersion = payload.readUInt32BE(offset);
  offset += 4;

  const readId = (): string | null => {
    if (remaining() < 1) return null;
    const length = payload.readUInt8(offset);
    offset += 1;
    if (length === 0 || remaining() < length) return null;
    const id = payload.toString("utf8", offset, offset + length);
    offset += length;
    return id;
  };
  const buildId = readId();
  const userId = readId();
  if (buildId === null || userId === null) return null;
  if (version === LEGACY_VERSION) {
    if (remaining() !== 0) return null;
    return { buildId, userId, userVersion, sessionId: null, expiresAt: new Date(expirySeconds * 1000) };
  }
  if (remaining() < 1) return null;
  const sessionLength = payload.readUInt8(offset);
  offset += 1;
  if ((sessionLength !== 0 && sessionLength !== UUID_BYTES) || remaining() !== sessionLength) return null;
  const sessionId = sessionLength === 0 ? null : decodeSessionId(payload.subarray(offset));

  return { buildId, userId, userVersion, sessionId, expiresAt: new Date(expirySeconds * 1000) };
}

function invalid(): AppError {
  return new AppError("invalid_token", "This install link is not valid.");
}
