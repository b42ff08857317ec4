import type { Actor } from "@/lib/access/actor";
import { visibleBuildsWhere } from "@/lib/access/app-access";
import { authorize } from "@/lib/access/policy";
import { assertMayPublishToApp, findAppById } from "@/lib/apps/data";
import { recordChange } from "@/lib/audit/audit";
import { ensureChannel } from "@/lib/builds/create-build";
import { assertMayAddToChannel } from "@/lib/channels/data";
import { channelAccessSchema, promoteBuildSchema } from "@/lib/channels/schema";
import { prisma } from "@/lib/db/client";
import { isUuid } from "@/lib/db/ids";
import { AppError, parseInput } from "@/lib/errors";
import { enqueueBuildNotifications } from "@/lib/notifications/outbox";
import { enqueueBuildPromoted } from "@/lib/webhooks/deliveries";

/** Changes to channels: promoting builds into them, and who may see them. */

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
 * Adds a build to channel `channel` of its app (created on first use), making
 * it that channel's newest. Admins and the app's uploaders who see the
 * channel (a restricted one needs one of its groups); audited.
 * `changed: false` when the build was already in the channel.
 */
export async function promoteBuild(
  input: { buildId: string; channel: string },
  by: Actor,
): Promise<{ build: BuildRef; channel: string; changed: boolean }> {
  const { buildId, channel } = parseInput(promoteBuildSchema, input);
  const build = await findBuildForActor(by, buildId);
  await assertMayPublishToApp(by, build.appId, "build.promote");
  if (by.kind === "user") await assertMayAddToChannel(by.user, { id: build.appId }, channel);
  const changed = await prisma().$transaction(async (tx) => {
    const channelId = await ensureChannel(tx, build.appId, channel);
    const created = await tx.buildChannel.createMany({ data: [{ buildId, channelId }], skipDuplicates: true });
    if (created.count === 0) return false;
    await recordChange(tx, by, {
      action: "build.promote",
      appId: build.appId,
      buildId: build.id,
      target: { type: "build", id: build.id },
      details: { channel, version: build.version, buildNumber: build.buildNumber },
    });
    return true;
  });
  if (changed) {
    await enqueueBuildPromoted(build, channel);
    await enqueueBuildNotifications(build, [channel]);
  }
  const { id, appId, version, buildNumber } = build;
  return { build: { id, appId, version, buildNumber }, channel, changed };
}

/**
 * Restricts a channel to groups (its builds then need both the app's access
 * and membership of one of them) or, with no groups, lets it inherit the app's
 * access again. Admin only; audited. The channel is created if it is new.
 */
export async function setChannelAccess(
  input: { appId: string; channel: string; groupIds: string[] },
  by: Actor,
): Promise<{ channel: string; restricted: boolean; groups: { id: string; name: string }[] }> {
  authorize(by, "channel.manage");
  const { appId, channel, groupIds } = parseInput(channelAccessSchema, input);
  const app = await findAppById(appId);
  if (!app) throw new AppError("not_found", "This app no longer exists: reload the page.");
  const groups = await prisma().group.findMany({
    where: { id: { in: [...new Set(groupIds)] } },
    select: { id: true, name: true },
    orderBy: { name: "asc" },
  });
  if (groups.length !== new Set(groupIds).size) throw new AppError("not_found", "A group no longer exists: reload.");
  await prisma().$transaction(async (tx) => {
    const channelId = await ensureChannel(tx, app.id, channel);
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
