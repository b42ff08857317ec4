import { createHash, randomBytes } from "node:crypto";
import { prisma } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import type { UserDto } from "@/lib/users/users";

export type TokenScope = "upload" | "read";
export const ALL_SCOPES: TokenScope[] = ["upload", "read"];

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
function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export async function createApiToken(input: {
  userId: string;
  name: string;
  scopes?: TokenScope[];
  expiresAt?: Date | null;
}): Promise<{ token: string; apiToken: ApiTokenDto }> {
  const name = input.name.trim();
  if (!name) throw new AppError("bad_request", "A token needs a name, e.g. the CI job that uses it.");
  const secret = randomBytes(32).toString("base64url");
  const prefix = secret.slice(0, 8);
  const token = `ferry_${secret}`;
  const row = await prisma().apiToken.create({
    data: {
      userId: input.userId,
      name,
      prefix,
      tokenHash: hashToken(token),
      scopes: input.scopes ?? ["read"],
      expiresAt: input.expiresAt ?? null,
    },
  });
  return {
    token,
    apiToken: {
      id: row.id,
      name: row.name,
      prefix: row.prefix,
      scopes: row.scopes as TokenScope[],
      expiresAt: row.expiresAt,
      lastUsedAt: row.lastUsedAt,
      createdAt: row.createdAt,
    },
  };
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

/** Revokes one of the owner's tokens; false if it is not theirs or already revoked. */
export async function revokeApiToken(userId: string, tokenId: string, now = new Date()): Promise<boolean> {
  if (!/^[0-9a-f-]{36}$/i.test(tokenId)) return false;
  const result = await prisma().apiToken.updateMany({
    where: { id: tokenId, userId, revokedAt: null },
    data: { revokedAt: now },
  });
  return result.count === 1;
}
