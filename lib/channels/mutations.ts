import type { Actor } from "@/lib/access/actor";
import { visibleAppsWhere, visibleBuildsWhere, visibleChannelsWhere } from "@/lib/access/app-access";
import { authorize } from "@/lib/access/policy";
import { assertMayPublishToApp, findAppById } from "@/lib/apps/data";
import { recordChange } from "@/lib/audit/audit";
import { ensureChannel } from "@/lib/builds/create-build";
import { assertChannelExists, assertMayAddToChannel } from "@/lib/channels/data";
import {
  channelAccessSchema,
  deleteChannelSchema,
  promoteBuildSchema,
  renameChannelSchema,
} from "@/lib/channels/schema";
import { prisma } from "@/lib/db/client";
import { isUniqueViolation } from "@/lib/db/errors";
import { isUuid } from "@/lib/db/ids";
import { AppError, parseInput } from "@/lib/errors";
import { findGroupByName } from "@/lib/groups/data";
import { enqueueBuildNotifications } from "@/lib/notifications/outbox";
import { enqueueBuildPromoted } from "@/lib/webhooks/deliveries";

/** Changes to channels: promoting builds into them and taking them out, renaming, deleting, and who may see them. */

type BuildRef = { id: string; appId: string; version: string; buildNumber: string };

/** The build `actor` may see (CLI and Ferry: any), or not_found without saying whether it exists. */
export async function findBuildForActor(actor: Actor, buildId: string): Promise<BuildRef & { sha256: string }> {
  const row = isUuid(buildId)
    ? await prisma().build.findFirst({
        where: { id: buildId, ...(actor.kind === "user" ? visibleBuildsWhere(actor.user) : {}) },
        select: { id: true, appId: true, version: true, buildNumber: true, sha256: true },
      })
    : null;
  if (!row) throw new AppError("not_found", "No such build, or you do not have access to it.");
  return row;
}

/**
 * Adds a build to channel `channel` of its app, making it that channel's
 * newest. Admins and the app's uploaders who see the channel (a restricted
 * one needs one of its groups); audited. A channel the app does not have yet
 * is created unless `create: false` (audited as `channel.create`): every
 * employee who sees the app sees a new channel at once, so the forms pass
 * `create: false` unless the person confirmed the new name; then 422
 * `unknown_channel` names the existing channels. The API and CLI default to
 * creating, as before (the answer says `channelCreated`).
 * `changed: false` when the build was already in the channel.
 */
export async function promoteBuild(
  input: { buildId: string; channel: string; create?: boolean },
  by: Actor,
): Promise<{ build: BuildRef; channel: string; changed: boolean; channelCreated: boolean }> {
  const { buildId, channel } = parseInput(promoteBuildSchema, input);
  const build = await findBuildForActor(by, buildId);
  await assertMayPublishToApp(by, build.appId, "build.promote");
  if (by.kind === "user") await assertMayAddToChannel(by.user, { id: build.appId }, channel);
  const app = await findAppById(build.appId);
  if (input.create === false) {
    await assertChannelExists(
      by.kind === "user" ? by.user : null,
      { id: build.appId },
      channel,
      app?.name ?? "This app",
    );
  }
  const result = await prisma().$transaction(async (tx) => {
    const target = await ensureChannel(tx, build.appId, channel);
    if (target.created) {
      await recordChange(tx, by, {
        action: "channel.create",
        appId: build.appId,
        buildId: build.id,
        target: { type: "channel", id: `${build.appId}/${channel}` },
        details: { app: app?.name ?? null, channel, via: "promote" },
      });
    }
    const created = await tx.buildChannel.createMany({
      data: [{ buildId, channelId: target.id }],
      skipDuplicates: true,
    });
    if (created.count === 0) return { changed: false, channelCreated: target.created };
    await recordChange(tx, by, {
      action: "build.promote",
      appId: build.appId,
      buildId: build.id,
      target: { type: "build", id: build.id },
      details: { channel, version: build.version, buildNumber: build.buildNumber },
    });
    return { changed: true, channelCreated: target.created };
  });
  if (result.changed) {
    await enqueueBuildPromoted(build, channel);
    await enqueueBuildNotifications(build, [channel]);
  }
  const { id, appId, version, buildNumber } = build;
  return { build: { id, appId, version, buildNumber }, channel, ...result };
}

/**
 * The channel `name` of `appId` that `by` may change (rename, delete, take
 * builds out of): the app's publishers, and only channels they see (a
 * restricted channel outside their groups is not_found, as if it did not exist).
 */
async function channelForChange(
  input: { appId: string; channel: string },
  by: Actor,
  action: "channel.rename" | "channel.delete" | "build.promote",
): Promise<{ app: { id: string; name: string }; channel: { id: string; name: string; isDefault: boolean } }> {
  const app = isUuid(input.appId)
    ? await prisma().app.findFirst({
        // An app the caller cannot see is not_found, as for its builds: 403 would confirm it exists.
        where: { id: input.appId, ...(by.kind === "user" ? visibleAppsWhere(by.user) : {}) },
        select: { id: true, name: true },
      })
    : null;
  if (!app) throw new AppError("not_found", "No such app, or you do not have access to it.");
  await assertMayPublishToApp(by, app.id, action);
  const channel = await prisma().channel.findFirst({
    where: { appId: app.id, name: input.channel, ...(by.kind === "user" ? visibleChannelsWhere(by.user) : {}) },
    select: { id: true, name: true, isDefault: true },
  });
  if (!channel) throw new AppError("not_found", `${app.name} has no channel "${input.channel}".`);
  return { app, channel };
}

/**
 * Takes a build out of one channel; the build itself stays. Refused (409)
 * when it is the build's only channel: a build in no channel would be seen by
 * nobody, admins included (the visibility views). Install links that reached
 * the build only through this channel stop working at once (the
 * build_channels trigger empties the install-link caches). Audited.
 */
export async function removeBuildFromChannel(
  input: { buildId: string; channel: string },
  by: Actor,
): Promise<{ build: BuildRef; channel: string }> {
  const { buildId, channel: name } = parseInput(promoteBuildSchema, input);
  const build = await findBuildForActor(by, buildId);
  const { app, channel } = await channelForChange({ appId: build.appId, channel: name }, by, "build.promote");
  await prisma().$transaction(async (tx) => {
    const memberships = await tx.buildChannel.findMany({ where: { buildId }, select: { channelId: true } });
    if (!memberships.some((m) => m.channelId === channel.id)) {
      throw new AppError("not_found", `This build is not in the channel "${channel.name}".`);
    }
    if (memberships.length === 1) {
      throw new AppError(
        "conflict",
        `"${channel.name}" is the only channel of ${app.name} ${build.version} (${build.buildNumber}): add it to another channel first, or delete the build.`,
      );
    }
    await tx.buildChannel.delete({ where: { buildId_channelId: { buildId, channelId: channel.id } } });
    await recordChange(tx, by, {
      action: "build.unpromote",
      appId: app.id,
      buildId: build.id,
      target: { type: "build", id: build.id },
      details: { channel: channel.name, version: build.version, buildNumber: build.buildNumber },
    });
  });
  const { id, appId, version, buildNumber } = build;
  return { build: { id, appId, version, buildNumber }, channel: channel.name };
}

/**
 * Renames a channel of an app (its builds, group grants and watchers stay with
 * it; its page and channel install links move to the new name, the old ones
 * answer 404). 409 when the app already has a channel by that name: delete
 * this one and move its builds there instead. Audited.
 */
export async function renameChannel(
  input: { appId: string; channel: string; name: string },
  by: Actor,
): Promise<{ appId: string; from: string; to: string; changed: boolean }> {
  const parsed = parseInput(renameChannelSchema, input);
  const { app, channel } = await channelForChange(parsed, by, "channel.rename");
  if (parsed.name === channel.name) return { appId: app.id, from: channel.name, to: channel.name, changed: false };
  try {
    await prisma().$transaction(async (tx) => {
      await tx.channel.update({ where: { id: channel.id }, data: { name: parsed.name } });
      await recordChange(tx, by, {
        action: "channel.rename",
        appId: app.id,
        target: { type: "channel", id: `${app.id}/${parsed.name}` },
        details: { app: app.name, from: channel.name, to: parsed.name },
      });
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    throw new AppError(
      "conflict",
      `${app.name} already has a channel "${parsed.name}". To merge "${channel.name}" into it, delete "${channel.name}" and move its builds to "${parsed.name}".`,
    );
  }
  return { appId: app.id, from: channel.name, to: parsed.name, changed: true };
}

/**
 * Deletes a channel: its builds leave it (never deleted), its group grants,
 * watchers and channel install links go with it. Builds that are in no other
 * channel would be seen by nobody, so they move to `moveTo` (keeping when they
 * were added, so they do not become its newest), or the deletion is refused
 * (409) naming how many. The app's default channel cannot be deleted (uploads
 * without a channel land there): rename it. Audited.
 */
export async function deleteChannel(
  input: { appId: string; channel: string; moveTo?: string | null },
  by: Actor,
): Promise<{ appId: string; channel: string; buildsRemoved: number; buildsMoved: number; moveTo: string | null }> {
  const parsed = parseInput(deleteChannelSchema, input);
  const { app, channel } = await channelForChange(parsed, by, "channel.delete");
  if (channel.isDefault) {
    throw new AppError(
      "conflict",
      `"${channel.name}" is the default channel of ${app.name}: uploads without a channel land there. Rename it instead.`,
    );
  }
  const moveTo = parsed.moveTo
    ? (await channelForChange({ appId: app.id, channel: parsed.moveTo }, by, "build.promote")).channel
    : null;
  if (moveTo?.id === channel.id) throw new AppError("bad_request", "Choose another channel to move the builds to.");
  return prisma().$transaction(async (tx) => {
    const members = await tx.buildChannel.findMany({
      where: { channelId: channel.id },
      select: { buildId: true, addedAt: true, build: { select: { _count: { select: { channels: true } } } } },
    });
    const onlyHere = members.filter((m) => m.build._count.channels === 1);
    if (onlyHere.length > 0 && !moveTo) {
      throw new AppError(
        "conflict",
        `${onlyHere.length === 1 ? "1 build is" : `${onlyHere.length} builds are`} only in "${channel.name}": choose a channel to move ${onlyHere.length === 1 ? "it" : "them"} to, or delete ${onlyHere.length === 1 ? "it" : "them"} first.`,
      );
    }
    const moved = moveTo
      ? await tx.buildChannel.createMany({
          data: onlyHere.map((m) => ({ buildId: m.buildId, channelId: moveTo.id, addedAt: m.addedAt })),
          skipDuplicates: true,
        })
      : { count: 0 };
    const groups = await tx.channelGroup.findMany({
      where: { channelId: channel.id },
      select: { group: { select: { name: true } } },
    });
    // Cascades: build_channels, channel_groups and watches of this channel.
    await tx.channel.delete({ where: { id: channel.id } });
    await recordChange(tx, by, {
      action: "channel.delete",
      appId: app.id,
      target: { type: "channel", id: `${app.id}/${channel.name}` },
      details: {
        app: app.name,
        channel: channel.name,
        buildsRemoved: members.length,
        buildsMoved: moved.count,
        moveTo: moveTo?.name ?? null,
        groups: groups.map((g) => g.group.name),
      },
    });
    return {
      appId: app.id,
      channel: channel.name,
      buildsRemoved: members.length,
      buildsMoved: moved.count,
      moveTo: moveTo?.name ?? null,
    };
  });
}

/**
 * Restricts a channel to groups (its builds then need both the app's access
 * and membership of one of them) or, with no groups, lets it inherit the app's
 * access again. Admin only; audited. The channel is created if it is new.
 */
export async function setChannelAccess(
  input: { appId: string; channel: string; groupIds: string[]; addGroupName?: string },
  by: Actor,
): Promise<{ channel: string; restricted: boolean; groups: { id: string; name: string }[] }> {
  authorize(by, "channel.manage");
  const { appId, channel, groupIds: kept, addGroupName } = parseInput(channelAccessSchema, input);
  const added = addGroupName ? await findGroupByName(addGroupName) : null;
  if (addGroupName && !added) throw new AppError("not_found", `No group is named ${addGroupName}.`);
  const groupIds = added ? [...kept, added.id] : kept;
  const app = await findAppById(appId);
  if (!app) throw new AppError("not_found", "This app no longer exists: reload the page.");
  const groups = await prisma().group.findMany({
    where: { id: { in: [...new Set(groupIds)] } },
    select: { id: true, name: true },
    orderBy: { name: "asc" },
  });
  if (groups.length !== new Set(groupIds).size) throw new AppError("not_found", "A group no longer exists: reload.");
  await prisma().$transaction(async (tx) => {
    const { id: channelId, created } = await ensureChannel(tx, app.id, channel);
    if (created) {
      await recordChange(tx, by, {
        action: "channel.create",
        appId: app.id,
        target: { type: "channel", id: `${app.id}/${channel}` },
        details: { app: app.name, channel, via: "access" },
      });
    }
    await tx.channelGroup.deleteMany({ where: { channelId } });
    await tx.channelGroup.createMany({ data: groups.map((g) => ({ channelId, groupId: g.id })) });
    await tx.channel.update({ where: { id: channelId }, data: { restricted: groups.length > 0 } });
    await recordChange(tx, by, {
      action: "channel.access_change",
      appId: app.id,
      target: { type: "channel", id: `${app.id}/${channel}` },
      details: { app: app.name, channel, groups: groups.map((g) => g.name) },
    });
  });
  return { channel, restricted: groups.length > 0, groups };
}
