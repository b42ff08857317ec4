import { randomBytes } from "node:crypto";
import { type Actor, actorUserId } from "@/lib/access/actor";
import { authorize } from "@/lib/access/policy";
import { recordChange } from "@/lib/audit/audit";
import { prisma } from "@/lib/db/client";
import { isUuid } from "@/lib/db/ids";
import { AppError, parseInput } from "@/lib/errors";
import { type ApiTokenDto, hashToken } from "@/lib/tokens/api-tokens";
import { createTokenSchema } from "@/lib/tokens/schema";
import { defaultScopesFor, scopesAllowedFor, type TokenScope } from "@/lib/tokens/scopes";
import type { UserDto } from "@/lib/users/data";

/**
 * Creating and revoking API tokens: people manage their own tokens (admins
 * too: nobody mints a token for someone else on the web); an operator on the
 * CLI may create one for any active user. Same scope rules everywhere.
 */

function assertOwnerOrOperator(owner: UserDto, by: Actor): void {
  // A disabled owner is refused below with their own sentence.
  if (by.kind === "user" && by.user.id !== owner.id) authorize(by, "token.manage", { ownerId: owner.id });
}

/** Creates a token; its secret is returned once, here, and never again. Without `scopes`: all the owner's role allows but `sign`. */
export async function createApiToken(
  input: { owner: UserDto; name: string; scopes?: readonly TokenScope[]; expiresAt?: Date | null },
  by: Actor,
): Promise<{ token: string; apiToken: ApiTokenDto }> {
  const { owner } = input;
  assertOwnerOrOperator(owner, by);
  if (owner.disabled) throw new AppError("forbidden", `The user ${owner.email} is disabled.`);
  const {
    name,
    scopes: asked,
    expiresAt,
  } = parseInput(createTokenSchema, {
    name: input.name,
    scopes: input.scopes,
    expiresAt: input.expiresAt,
  });
  const allowed = scopesAllowedFor(owner.role);
  const scopes = [...new Set(asked && asked.length > 0 ? asked : defaultScopesFor(owner.role))];
  const refused = scopes.filter((s) => !allowed.includes(s));
  if (refused.length > 0) {
    throw new AppError(
      "forbidden",
      refused.includes("sign")
        ? `Only admins' tokens can re-sign builds (refused scope: ${refused.join(", ")}).`
        : `Members can create read-only tokens: only uploaders and admins can upload builds (refused scope: ${refused.join(", ")}).`,
    );
  }
  const secret = randomBytes(32).toString("base64url");
  const token = `ferry_${secret}`;
  const row = await prisma().$transaction(async (tx) => {
    const created = await tx.apiToken.create({
      data: {
        userId: owner.id,
        name,
        prefix: secret.slice(0, 8),
        tokenHash: hashToken(token),
        scopes,
        expiresAt: expiresAt ?? null,
      },
    });
    await recordChange(tx, by, {
      action: "token.create",
      target: { type: "api_token", id: created.id },
      details: { name, scopes, owner: owner.email, expiresAt: created.expiresAt?.toISOString() ?? null },
    });
    return created;
  });
  return {
    token,
    apiToken: {
      id: row.id,
      name: row.name,
      prefix: row.prefix,
      scopes,
      expiresAt: row.expiresAt,
      lastUsedAt: row.lastUsedAt,
      createdAt: row.createdAt,
    },
  };
}

/** Revokes one of the acting user's own tokens; not found when it is not theirs or already revoked. */
export async function revokeApiToken(input: { tokenId: string }, by: Actor, now = new Date()): Promise<void> {
  const ownerId = actorUserId(by);
  const mine = "This token is not yours or is already revoked: reload the page.";
  if (!ownerId || !isUuid(input.tokenId)) throw new AppError("not_found", mine);
  // Scoped to the acting user: another user's token id simply matches nothing.
  await prisma().$transaction(async (tx) => {
    const result = await tx.apiToken.updateMany({
      where: { id: input.tokenId, userId: ownerId, revokedAt: null },
      data: { revokedAt: now },
    });
    if (result.count !== 1) throw new AppError("not_found", mine);
    await recordChange(tx, by, { action: "token.revoke", target: { type: "api_token", id: input.tokenId } });
  });
}
