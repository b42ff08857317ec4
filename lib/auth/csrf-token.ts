import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { requireAuthSecret } from "@/lib/config/env";

/** next-auth's double-submit CSRF cookie, under its secure and plain names. */
export const CSRF_COOKIE_NAMES = ["__Host-next-auth.csrf-token", "next-auth.csrf-token"] as const;

function signedValue(token: string, secret: string): string {
  return `${token}|${createHash("sha256").update(`${token}${secret}`).digest("hex")}`;
}

/**
 * The token inside next-auth's CSRF cookie ("token|sha256(token + secret)")
 * when the cookie is genuine, else null: lets the sign-in form post without
 * JavaScript, which cannot fetch /api/auth/csrf first.
 */
export function csrfTokenFromCookie(value: string | undefined, secret: string): string | null {
  if (!value) return null;
  const [token, hash] = value.split("|");
  if (!token || !hash) return null;
  const expected = signedValue(token, secret).split("|")[1] ?? "";
  const a = Buffer.from(hash);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b) ? token : null;
}

/**
 * A new CSRF cookie exactly as next-auth would set it (name by https or not,
 * same value format), for a first visit to the sign-in page: without it a
 * no-JavaScript post is refused and next-auth's retry drops the return address.
 */
export function mintCsrfCookie(secret: string, secure: boolean): { name: string; value: string } {
  const name = secure ? CSRF_COOKIE_NAMES[0] : CSRF_COOKIE_NAMES[1];
  return { name, value: signedValue(randomBytes(32).toString("hex"), secret) };
}

/** The CSRF token of a request's cookies (`get` reads one cookie by name), for forms that post without JavaScript. */
export function csrfTokenOfCookies(get: (name: string) => string | undefined): string | null {
  const cookie = CSRF_COOKIE_NAMES.map(get).find(Boolean);
  return csrfTokenFromCookie(cookie, requireAuthSecret());
}

/** Whether a form's posted `csrfToken` is the one in the request's CSRF cookie (double submit). */
export function csrfTokenMatches(get: (name: string) => string | undefined, posted: string | null): boolean {
  const expected = csrfTokenOfCookies(get);
  if (!expected || !posted) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(posted);
  return a.length === b.length && timingSafeEqual(a, b);
}
