import { createHmac, timingSafeEqual } from "node:crypto";
import { env } from "@/lib/config/env";
import { isUuid } from "@/lib/db/ids";

/**
 * The token in an email's unsubscribe links: who (user id) and what (one
 * watch, or "all" of their watches), signed with a key derived from
 * AUTH_SECRET. It works without signing in (RFC 8058 one-click: the mail
 * client POSTs it) and only ever removes watches, so it does not expire.
 */

export type UnsubscribeTarget = { userId: string; watchId: string | "all" };

function key(): Buffer {
  const secret = env().authSecret;
  if (!secret) throw new Error("AUTH_SECRET is not resolved yet");
  return createHmac("sha256", secret).update("ferry-unsubscribe-v1").digest();
}

function sign(payload: string): string {
  return createHmac("sha256", key()).update(payload).digest("base64url");
}

export function unsubscribeToken(target: UnsubscribeTarget): string {
  const payload = `${target.userId}.${target.watchId}`;
  return `${payload}.${sign(payload)}`;
}

/** The target of a well-signed token, else null (a changed user, watch or signature). */
export function readUnsubscribeToken(token: string): UnsubscribeTarget | null {
  if (token.length > 200) return null;
  const [userId, watchId, signature, ...rest] = token.split(".");
  if (!userId || !watchId || !signature || rest.length > 0) return null;
  if (!isUuid(userId) || !(watchId === "all" || isUuid(watchId))) return null;
  const expected = Buffer.from(sign(`${userId}.${watchId}`));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  return { userId, watchId };
}
