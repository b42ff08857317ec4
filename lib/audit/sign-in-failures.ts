import { prisma } from "@/lib/db/client";

/**
 * Failed password sign-ins in the window: for this account from this client
 * address, and from this address for any account. The rate limiter's input
 * (lib/auth/auth-options.ts); an account's failures from other addresses do not
 * count, so nobody elsewhere can lock its owner out.
 */
export async function recentSignInFailures(
  email: string,
  ip: string | null,
  sinceMs: number,
  now = new Date(),
): Promise<{ byPair: number; byClient: number }> {
  const since = new Date(now.getTime() - sinceMs);
  // Password failures only (target type "email"): refused SSO sign-ins don't lock out password sign-in.
  const failures = { action: "sign_in.failure", at: { gte: since }, targetType: "email", ip };
  const [byPair, byClient] = await Promise.all([
    prisma().auditEvent.count({ where: { ...failures, targetId: email } }),
    ip ? prisma().auditEvent.count({ where: failures }) : Promise.resolve(0),
  ]);
  return { byPair, byClient };
}
