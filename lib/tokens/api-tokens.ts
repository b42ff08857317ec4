import { createHash } from "node:crypto";
import { prisma } from "@/lib/db/client";
import type { TokenScope } from "@/lib/tokens/scopes";
import type { UserDto } from "@/lib/users/data";

/** API tokens: looked up by hash, listed for their owner. Creating and revoking: ./mutations.ts. */

export type ApiTokenDto = {
  id: string;
  name: string;
  prefix: string;
  scopes: TokenScope[];
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  createdAt: Date;
};

// Tokens are 32 random bytes: a fast hash is enough (no brute force possible),
// and it lets us find the row by its hash in one indexed lookup.
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** The token's active owner and scopes, or null when the token is unknown, revoked, expired or its owner disabled. */
export async function authenticateApiToken(
  token: string,
  now = new Date(),
): Promise<{ user: UserDto; scopes: TokenScope[] } | null> {
  if (!token.startsWith("ferry_") || token.length > 200) return null;
  const row = await prisma().apiToken.findUnique({
    where: { tokenHash: hashToken(token) },
    include: {
      user: { select: { id: true, email: true, name: true, role: true, disabledAt: true, sessionVersion: true } },
    },
  });
  if (!row || row.revokedAt || (row.expiresAt && row.expiresAt <= now) || row.user.disabledAt) return null;
  // Best effort, at most once a minute: a failed update must not fail the request.
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000) {
    await prisma()
      .apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } })
      .catch(() => {});
  }
  const u = row.user;
  return {
    user: { id: u.id, email: u.email, name: u.name, role: u.role, disabled: false, sessionVersion: u.sessionVersion },
    scopes: row.scopes as TokenScope[],
  };
}

/** The owner's tokens (never the secret: it is shown once, at creation). */
export async function listApiTokens(userId: string): Promise<(ApiTokenDto & { revokedAt: Date | null })[]> {
  const rows = await prisma().apiToken.findMany({ where: { userId }, orderBy: { createdAt: "desc" } });
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes as TokenScope[],
    expiresAt: row.expiresAt,
    lastUsedAt: row.lastUsedAt,
    createdAt: row.createdAt,
    revokedAt: row.revokedAt,
  }));
}
