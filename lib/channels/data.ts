import { visibleBuildsWhere, visibleChannelsWhere } from "@/lib/access/app-access";
import { can } from "@/lib/access/policy";
import { type BuildDto, getBuildFor } from "@/lib/builds/data";
import { channelNameSchema } from "@/lib/channels/schema";
import { prisma } from "@/lib/db/client";
import { isUuid } from "@/lib/db/ids";
import { AppError } from "@/lib/errors";
import type { UserDto } from "@/lib/users/data";

/** Channels of an app, scoped by who asks (lib/access/app-access.ts). */

export type ChannelDto = {
  id: string;
  name: string;
  isDefault: boolean;
  /** Restricted to `groups`; otherwise the app's access applies. */
  restricted: boolean;
  groups: { id: string; name: string }[];
  latest: { id: string; version: string; buildNumber: string; addedAt: string } | null;
  buildCount: number;
};

/** A channel name from a URL segment (encoded or not) or a form, normalised; null when it cannot be one. */
export function parseChannelName(value: string): string | null {
  let decoded = value;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    return null;
  }
  const parsed = channelNameSchema.safeParse(decoded);
  return parsed.success ? parsed.data : null;
}

/** The channels of `appId` that `user` sees, default first, each with its newest build `user` sees. */
export async function listChannelsFor(user: UserDto, appId: string): Promise<ChannelDto[]> {
  if (!isUuid(appId)) return [];
  const builds = { build: visibleBuildsWhere(user) };
  const rows = await prisma().channel.findMany({
    where: { appId, ...visibleChannelsWhere(user) },
    orderBy: [{ isDefault: "desc" }, { name: "asc" }],
    select: {
      id: true,
      name: true,
      isDefault: true,
      restricted: true,
      groups: { select: { group: { select: { id: true, name: true } } }, orderBy: { group: { name: "asc" } } },
      builds: {
        where: builds,
        orderBy: [{ addedAt: "desc" }, { buildId: "desc" }],
        take: 1,
        select: { addedAt: true, build: { select: { id: true, version: true, buildNumber: true } } },
      },
      _count: { select: { builds: { where: builds } } },
    },
  });
  return rows.map((row) => {
    const newest = row.builds[0];
    return {
      id: row.id,
      name: row.name,
      isDefault: row.isDefault,
      restricted: row.restricted,
      groups: row.groups.map((g) => g.group),
      latest: newest ? { ...newest.build, addedAt: newest.addedAt.toISOString() } : null,
      buildCount: row._count.builds,
    };
  });
}

/**
 * The newest build (last added) of channel `name` of `appId` that `user` sees.
 * `channel: null` when the channel does not exist or `user` may not see it;
 * `build: null` when it is empty for them.
 */
export async function latestBuildInChannelFor(
  user: UserDto,
  appId: string,
  name: string,
): Promise<{ channel: { id: string; name: string } | null; build: BuildDto | null }> {
  const channelName = parseChannelName(name);
  if (!isUuid(appId) || channelName === null) return { channel: null, build: null };
  const channel = await prisma().channel.findFirst({
    where: { appId, name: channelName, ...visibleChannelsWhere(user) },
    select: { id: true, name: true },
  });
  if (!channel) return { channel: null, build: null };
  const newest = await prisma().buildChannel.findFirst({
    where: { channelId: channel.id, build: visibleBuildsWhere(user) },
    orderBy: [{ addedAt: "desc" }, { buildId: "desc" }],
    select: { buildId: true },
  });
  return { channel, build: newest ? await getBuildFor(user, appId, newest.buildId) : null };
}

/**
 * Throws 403 when `user` would add a build to a channel they cannot see: an
 * existing channel restricted to groups they are not in (admins see every
 * channel). Publishing into a channel is for those who can see what it holds.
 * `channel: null` is the app's default channel; a channel that does not exist
 * yet will be created unrestricted, so it is allowed.
 */
export async function assertMayAddToChannel(
  user: UserDto,
  app: { id: string } | { bundleId: string },
  channel: string | null,
): Promise<void> {
  if (can(user, "channel.read-all")) return;
  const row = await prisma().channel.findFirst({
    where: {
      app: "id" in app ? { id: app.id } : { bundleId: app.bundleId },
      ...(channel === null ? { isDefault: true } : { name: channel }),
    },
    select: { id: true, name: true, restricted: true },
  });
  if (!row?.restricted) return;
  const visible = await prisma().channel.count({ where: { AND: [{ id: row.id }, visibleChannelsWhere(user)] } });
  if (visible === 0) {
    throw new AppError(
      "forbidden",
      `You can't add builds to the channel "${row.name}": it is restricted to groups you are not in. An admin can add you to one of them.`,
    );
  }
}
