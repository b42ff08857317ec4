import { randomBytes } from "node:crypto";
import { type Actor, actorUserId } from "@/lib/access/actor";
import { assertMayPublishToApp, findAppById } from "@/lib/apps/data";
import { recordChange } from "@/lib/audit/audit";
import { prisma } from "@/lib/db/client";
import { AppError, parseInput } from "@/lib/errors";
import {
  hashUpdateKey,
  listUpdateKeysForApp,
  UPDATE_KEY_PREFIX,
  type UpdateKeyDto,
  updateKeyDto,
} from "@/lib/update-check/data";
import { type CreateUpdateKeyInput, createUpdateKeySchema, updateKeyRefSchema } from "@/lib/update-check/schema";

/**
 * Update keys are managed by whoever manages the app's builds (admins, the
 * app's uploaders): created (the key shown once), listed, revoked; audited.
 * An app the actor may not manage is refused the same way whether or not it exists.
 */

async function requireManagedApp(appId: string, by: Actor) {
  const app = await findAppById(appId);
  if (!app) throw new AppError("forbidden", "Only admins and this app's uploaders can manage its update keys.");
  try {
    await assertMayPublishToApp(by, app.id, "update-key.manage");
  } catch {
    throw new AppError("forbidden", "Only admins and this app's uploaders can manage its update keys.");
  }
  return app;
}

/** The app's keys, for those who manage it. */
export async function listUpdateKeys(input: { appId: string }, by: Actor): Promise<UpdateKeyDto[]> {
  const app = await requireManagedApp(input.appId, by);
  return listUpdateKeysForApp(app.id);
}

export async function createUpdateKey(
  input: CreateUpdateKeyInput,
  by: Actor,
): Promise<{ key: string; updateKey: UpdateKeyDto }> {
  const parsed = parseInput(createUpdateKeySchema, input);
  const app = await requireManagedApp(parsed.appId, by);
  const secret = randomBytes(32).toString("base64url");
  const key = `${UPDATE_KEY_PREFIX}${secret}`;
  const row = await prisma().$transaction(async (tx) => {
    const created = await tx.appUpdateKey.create({
      data: {
        appId: app.id,
        name: parsed.name,
        keyHash: hashUpdateKey(key),
        prefix: secret.slice(0, 8),
        createdById: actorUserId(by),
      },
    });
    await recordChange(tx, by, {
      action: "update_key.create",
      appId: app.id,
      target: { type: "update_key", id: created.id },
      details: { app: app.name, name: created.name },
    });
    return created;
  });
  return { key, updateKey: updateKeyDto(row) };
}

/** Revokes a key of the app; not found when it is not the app's or revoked already. */
export async function revokeUpdateKey(input: { appId: string; keyId: string }, by: Actor, now = new Date()) {
  const { appId, keyId } = parseInput(updateKeyRefSchema, input);
  const app = await requireManagedApp(appId, by);
  await prisma().$transaction(async (tx) => {
    const result = await tx.appUpdateKey.updateMany({
      where: { id: keyId, appId: app.id, revokedAt: null },
      data: { revokedAt: now },
    });
    if (result.count !== 1) throw new AppError("not_found", "No such update key, or it is revoked already.");
    await recordChange(tx, by, {
      action: "update_key.revoke",
      appId: app.id,
      target: { type: "update_key", id: keyId },
      details: { app: app.name },
    });
  });
}
