import type { Actor } from "@/lib/access/actor";
import { authorize } from "@/lib/access/policy";
import { findAppById, findAppByNameOrBundleId, isAppGranted } from "@/lib/apps/data";
import { appDefaultChannelSchema, appDetailsSchema, appRetentionSchema, appVisibilitySchema } from "@/lib/apps/schema";
import { recordChange } from "@/lib/audit/audit";
import { prisma } from "@/lib/db/client";
import { AppError, parseInput } from "@/lib/errors";
import type { AppVisibility } from "@/lib/generated/prisma/client";
import { findGroupById, findGroupByName } from "@/lib/groups/data";

/** Who may see an app: grants to groups and visibility. Admin only, audited. */

type AppRef = NonNullable<Awaited<ReturnType<typeof findAppById>>>;
type GroupRef = { id: string; name: string };

async function existingApp(id: string): Promise<AppRef> {
  const app = await findAppById(id);
  if (!app) throw new AppError("not_found", "This app no longer exists: reload the page.");
  return app;
}

/**
 * Each side by id, or (grant only: the admin pages' "add" inputs, which do not list every group or app) by
 * the group's exact name or the app's bundle id or name. Resolved after the caller's authorize.
 */
type GrantInput = { appId?: string; appName?: string; groupId?: string; groupName?: string };

async function resolveGrant(input: GrantInput): Promise<{ app: AppRef; group: GroupRef }> {
  const [app, group] = await Promise.all([grantedApp(input), grantedGroup(input)]);
  return { app, group };
}

async function grantedApp(input: GrantInput): Promise<AppRef> {
  if (input.appId || !input.appName) return existingApp(input.appId ?? "");
  const named = await findAppByNameOrBundleId(input.appName);
  if (!named) throw new AppError("not_found", `No app has the bundle id or name ${input.appName.trim()}.`);
  return existingApp(named.id);
}

async function grantedGroup(input: GrantInput): Promise<GroupRef> {
  if (input.groupId || !input.groupName) {
    const group = await findGroupById(input.groupId ?? "");
    if (!group) throw new AppError("not_found", "This group no longer exists: reload the page.");
    return group;
  }
  const named = await findGroupByName(input.groupName);
  if (!named) throw new AppError("not_found", `No group is named ${input.groupName.trim()}.`);
  return named;
}

/** Gives a group's members access to an app. */
export async function grantApp(
  input: GrantInput,
  by: Actor,
): Promise<{ app: AppRef; group: GroupRef; changed: boolean }> {
  authorize(by, "app.manage");
  const { app, group } = await resolveGrant(input);
  if (await isAppGranted(app.id, group.id)) return { app, group, changed: false };
  await prisma().$transaction(async (tx) => {
    await tx.appGroup.upsert({
      where: { appId_groupId: { appId: app.id, groupId: group.id } },
      create: { appId: app.id, groupId: group.id },
      update: {},
    });
    await recordChange(tx, by, {
      action: "app.grant",
      appId: app.id,
      target: { type: "group", id: group.id },
      details: { app: app.name, group: group.name },
    });
  });
  return { app, group, changed: true };
}

export async function revokeApp(
  input: { appId: string; groupId: string },
  by: Actor,
): Promise<{ app: AppRef; group: GroupRef; changed: boolean }> {
  authorize(by, "app.manage");
  const { app, group } = await resolveGrant(input);
  if (!(await isAppGranted(app.id, group.id))) return { app, group, changed: false };
  await prisma().$transaction(async (tx) => {
    await tx.appGroup.deleteMany({ where: { appId: app.id, groupId: group.id } });
    await recordChange(tx, by, {
      action: "app.revoke",
      appId: app.id,
      target: { type: "group", id: group.id },
      details: { app: app.name, group: group.name },
    });
  });
  return { app, group, changed: true };
}

export async function setAppVisibility(
  input: { appId: string; visibility: AppVisibility },
  by: Actor,
): Promise<{ app: AppRef; changed: boolean }> {
  authorize(by, "app.manage");
  const { appId, visibility } = parseInput(appVisibilitySchema, input);
  const app = await existingApp(appId);
  if (app.visibility === visibility) return { app, changed: false };
  await prisma().$transaction(async (tx) => {
    await tx.app.update({ where: { id: app.id }, data: { visibility } });
    await recordChange(tx, by, {
      action: "app.visibility_change",
      appId: app.id,
      target: { type: "app", id: app.id },
      details: { app: app.name, from: app.visibility, to: visibility },
    });
  });
  return { app: { ...app, visibility }, changed: true };
}

/** The app's display name and description, edited by admins. */
export async function updateAppDetails(
  input: { appId: string; name: string; description: string },
  by: Actor,
): Promise<{ app: AppRef; changed: boolean }> {
  authorize(by, "app.manage");
  const { appId, name, description } = parseInput(appDetailsSchema, input);
  const app = await existingApp(appId);
  const current = await prisma().app.findUnique({ where: { id: app.id }, select: { description: true } });
  const nextDescription = description || null;
  if (app.name === name && (current?.description ?? null) === nextDescription) return { app, changed: false };
  await prisma().$transaction(async (tx) => {
    await tx.app.update({ where: { id: app.id }, data: { name, nameLocked: true, description: nextDescription } });
    await recordChange(tx, by, {
      action: "app.details_change",
      appId: app.id,
      target: { type: "app", id: app.id },
      details: { from: app.name, name, description: nextDescription !== null },
    });
  });
  return { app: { ...app, name }, changed: true };
}

/** Retention: keep the newest `keepPerChannel` builds of each channel (null: keep everything). */
export async function setAppRetention(
  input: { appId: string; keepPerChannel: number | null },
  by: Actor,
): Promise<{ app: AppRef; changed: boolean }> {
  authorize(by, "app.manage");
  const { appId, keepPerChannel } = parseInput(appRetentionSchema, input);
  const app = await existingApp(appId);
  const current = await prisma().app.findUnique({ where: { id: app.id }, select: { retainPerChannel: true } });
  if ((current?.retainPerChannel ?? null) === keepPerChannel) return { app, changed: false };
  await prisma().$transaction(async (tx) => {
    await tx.app.update({ where: { id: app.id }, data: { retainPerChannel: keepPerChannel } });
    await recordChange(tx, by, {
      action: "app.retention_change",
      appId: app.id,
      target: { type: "app", id: app.id },
      details: { app: app.name, from: current?.retainPerChannel ?? null, to: keepPerChannel },
    });
  });
  return { app, changed: true };
}

/**
 * The channel whose newest build leads the app's install page and the app list
 * (null: automatic, lib/channels/default-channel.ts). The channel must be one
 * of this app's.
 */
export async function setDefaultChannel(
  input: { appId: string; channelId: string | null },
  by: Actor,
): Promise<{ app: AppRef; channel: string | null; changed: boolean }> {
  authorize(by, "app.manage");
  const { appId, channelId } = parseInput(appDefaultChannelSchema, input);
  const app = await existingApp(appId);
  return prisma().$transaction(async (tx) => {
    const current = await tx.app.findUnique({ where: { id: app.id }, select: { defaultChannelId: true } });
    const channel = channelId
      ? await tx.channel.findFirst({ where: { id: channelId, appId: app.id }, select: { id: true, name: true } })
      : null;
    if (channelId && !channel) throw new AppError("not_found", "This channel no longer exists: reload the page.");
    const from = current?.defaultChannelId
      ? await tx.channel.findUnique({ where: { id: current.defaultChannelId }, select: { name: true } })
      : null;
    if ((current?.defaultChannelId ?? null) === (channel?.id ?? null)) {
      return { app, channel: channel?.name ?? null, changed: false };
    }
    await tx.app.update({ where: { id: app.id }, data: { defaultChannelId: channel?.id ?? null } });
    await recordChange(tx, by, {
      action: "app.default_channel_change",
      appId: app.id,
      target: { type: "app", id: app.id },
      details: { app: app.name, from: from?.name ?? null, to: channel?.name ?? null },
    });
    return { app, channel: channel?.name ?? null, changed: true };
  });
}
