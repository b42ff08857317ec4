import { createHash } from "node:crypto";
import { uploadableAppsWhere } from "@/lib/access/app-access";
import { can } from "@/lib/access/policy";
import { env } from "@/lib/config/env";
import { prisma } from "@/lib/db/client";
import { isUuid } from "@/lib/db/ids";
import { AppError, parseInput } from "@/lib/errors";
import { buildPageUrl } from "@/lib/install-links/urls";
import { touchUpdateKey } from "@/lib/update-check/key-usage";
import { updateCheckQuerySchema } from "@/lib/update-check/schema";
import { compareBuilds } from "@/lib/update-check/version";
import type { UserDto } from "@/lib/users/data";

/**
 * The in-app update check: an app-scoped, read-only key (hashed like API
 * tokens) lets an in-house app ask whether a newer build is out. It reveals
 * only the newest build of one unrestricted channel of its own app: version,
 * build number, release notes and the build's page (sign-in needed there),
 * never an install link.
 */

export const UPDATE_KEY_PREFIX = "ferryu_";

export type UpdateKeyDto = {
  id: string;
  appId: string;
  name: string;
  /** The first characters after `ferryu_`, to tell keys apart. */
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
};

export function hashUpdateKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

export function updateKeyDto(row: {
  id: string;
  appId: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}): UpdateKeyDto {
  return {
    id: row.id,
    appId: row.appId,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

/** An app's update keys, newest first (callers check the caller may manage the app: ./mutations.ts). */
export async function listUpdateKeysForApp(appId: string): Promise<UpdateKeyDto[]> {
  if (!isUuid(appId)) return [];
  const rows = await prisma().appUpdateKey.findMany({ where: { appId }, orderBy: { createdAt: "desc" } });
  return rows.map(updateKeyDto);
}

/** The key sent as `Authorization: Bearer <key>` or `X-Ferry-Update-Key: <key>`, or null. */
export function updateKeyOf(headers: Headers): string | null {
  const explicit = headers.get("x-ferry-update-key")?.trim();
  if (explicit) return explicit;
  const match = /^Bearer\s+(\S+)$/i.exec(headers.get("authorization")?.trim() ?? "");
  return match?.[1] ?? null;
}

export type UpdateCheck = {
  updateAvailable: boolean;
  version: string | null;
  build: string | null;
  pageUrl: string | null;
  notes: string | null;
};

const refused = () =>
  new AppError("unauthorized", "Send this app's update key (Authorization: Bearer ferryu_… or X-Ferry-Update-Key).");

/**
 * Answers an update check for `appRef` (bundle id, or the app's id). Any key
 * problem (missing, unknown, revoked, another app's, an app that does not
 * exist) is the same 401, so the answer never says which apps exist.
 */
export async function checkForUpdate(
  appRef: string,
  key: string | null,
  query: Record<string, string | null>,
  now = new Date(),
): Promise<UpdateCheck> {
  if (!key?.startsWith(UPDATE_KEY_PREFIX) || key.length > 200) throw refused();
  const row = await prisma().appUpdateKey.findUnique({ where: { keyHash: hashUpdateKey(key) } });
  if (!row || row.revokedAt) throw refused();
  const app = await prisma().app.findUnique({ where: { id: row.appId }, select: { id: true, bundleId: true } });
  if (!app || (app.bundleId !== appRef && app.id !== appRef)) throw refused();
  const input = parseInput(updateCheckQuerySchema, query);
  await touchUpdateKey(row, now);
  const channel = await prisma().channel.findFirst({
    where: { appId: app.id, restricted: false, ...(input.channel ? { name: input.channel } : { isDefault: true }) },
    select: { id: true },
  });
  if (!channel) {
    // Restricted channels are for their groups only: to a key they look like no channel at all.
    if (input.channel) throw new AppError("not_found", `No channel "${input.channel}" for this key.`);
    return { updateAvailable: false, version: null, build: null, pageUrl: null, notes: null };
  }
  const newest = await prisma().buildChannel.findFirst({
    where: { channelId: channel.id },
    orderBy: [{ addedAt: "desc" }, { buildId: "desc" }],
    select: { build: { select: { id: true, version: true, buildNumber: true, notes: true } } },
  });
  if (!newest) return { updateAvailable: false, version: null, build: null, pageUrl: null, notes: null };
  const latest = newest.build;
  const updateAvailable = input.version
    ? compareBuilds(
        { version: latest.version, buildNumber: latest.buildNumber },
        { version: input.version, buildNumber: input.build ?? null },
      ) > 0
    : false;
  return {
    updateAvailable,
    version: latest.version,
    build: latest.buildNumber,
    pageUrl: buildPageUrl(env().publicUrl, app.id, latest.id),
    notes: latest.notes,
  };
}

/** Whether `user` manages app `appId`'s update keys (admins, the app's uploaders): for showing the link. */
export async function mayManageUpdateKeys(user: UserDto, appId: string): Promise<boolean> {
  if (!can(user, "update-key.manage") || !isUuid(appId)) return false;
  return (await prisma().app.count({ where: { AND: [{ id: appId }, uploadableAppsWhere(user)] } })) > 0;
}
