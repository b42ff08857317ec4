import { uploadableAppsWhere, visibleChannelsWhere } from "@/lib/access/app-access";
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

/** A channel's name and who sees it: what the admin's Apps page edits (no build counts). */
export type ChannelAccessDto = Pick<ChannelDto, "id" | "name" | "isDefault" | "restricted" | "groups">;

/**
 * Admins: the channels of each of `appIds` (one page of the admin's Apps page) with their groups, in one
 * query rather than one per app. Admin-only data: the caller checks the role.
 */
export async function listChannelAccessOf(appIds: string[]): Promise<Map<string, ChannelAccessDto[]>> {
  const ids = appIds.filter(isUuid);
  const rows = ids.length
    ? await prisma().channel.findMany({
        where: { appId: { in: ids } },
        orderBy: [{ appId: "asc" }, { isDefault: "desc" }, { name: "asc" }],
        select: {
          appId: true,
          id: true,
          name: true,
          isDefault: true,
          restricted: true,
          groups: { select: { group: { select: { id: true, name: true } } }, orderBy: { group: { name: "asc" } } },
        },
      })
    : [];
  const byApp = new Map<string, ChannelAccessDto[]>(appIds.map((id) => [id, []]));
  for (const { appId, groups, ...channel } of rows) {
    byApp.get(appId)?.push({ ...channel, groups: groups.map((g) => g.group) });
  }
  return byApp;
}

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

/**
 * The channels of `appId` that `user` sees, default first, each with its newest build `user` sees. Every
 * build in a channel `user` sees is one `user` sees (ferry_visible_builds), so the builds are counted and
 * the newest found per channel without checking each build again, in one statement: a count from
 * build_channels (channel_id, build_id) and one row of (channel_id, added_at) per channel. Prisma's nested
 * `take: 1` with the visibility filter read every visible row of the channels (≈ 230 ms for the app with the
 * most builds at 20 million audit events).
 */
export async function listChannelsFor(user: UserDto, appId: string): Promise<ChannelDto[]> {
  if (!isUuid(appId)) return [];
  const rows = await prisma().channel.findMany({
    where: { appId, ...visibleChannelsWhere(user) },
    orderBy: [{ isDefault: "desc" }, { name: "asc" }],
    select: {
      id: true,
      name: true,
      isDefault: true,
      restricted: true,
      groups: { select: { group: { select: { id: true, name: true } } }, orderBy: { group: { name: "asc" } } },
    },
  });
  const ids = rows.map((row) => row.id);
  const summaries =
    ids.length === 0
      ? []
      : await prisma().$queryRaw<
          {
            channel_id: string;
            count: number;
            id: string | null;
            version: string | null;
            build_number: string | null;
            added_at: Date | null;
          }[]
        >`
          SELECT c.id::text AS channel_id,
                 (SELECT count(*)::int FROM build_channels bc WHERE bc.channel_id = c.id) AS count,
                 b.id::text AS id, b.version, b.build_number, n.added_at
          FROM unnest(${ids}::uuid[]) AS c(id)
          LEFT JOIN LATERAL (
            SELECT bc.build_id, bc.added_at FROM build_channels bc
            WHERE bc.channel_id = c.id
            ORDER BY bc.added_at DESC, bc.build_id DESC
            LIMIT 1
          ) n ON true
          LEFT JOIN builds b ON b.id = n.build_id`;
  const byChannel = new Map(summaries.map((row) => [row.channel_id, row]));
  return rows.map((row) => {
    const summary = byChannel.get(row.id);
    const latest =
      summary?.id && summary.version !== null && summary.build_number !== null && summary.added_at
        ? {
            id: summary.id,
            version: summary.version,
            buildNumber: summary.build_number,
            addedAt: summary.added_at.toISOString(),
          }
        : null;
    return {
      id: row.id,
      name: row.name,
      isDefault: row.isDefault,
      restricted: row.restricted,
      groups: row.groups.map((g) => g.group),
      latest,
      buildCount: summary?.count ?? 0,
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
    // A build in a channel `user` sees is one `user` sees (see listChannelsFor).
    where: { channelId: channel.id },
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

/**
 * The names of the channels of an app (by id or bundle id) that `user` sees
 * (null: every channel, for the CLI and Ferry), default first. Empty when the
 * app does not exist yet.
 */
export async function channelNamesOf(
  user: UserDto | null,
  app: { id: string } | { bundleId: string },
): Promise<string[]> {
  if ("id" in app && !isUuid(app.id)) return [];
  const rows = await prisma().channel.findMany({
    where: {
      app: "id" in app ? { id: app.id } : { bundleId: app.bundleId },
      ...(user ? visibleChannelsWhere(user) : {}),
    },
    orderBy: [{ isDefault: "desc" }, { name: "asc" }],
    select: { name: true },
  });
  return rows.map((r) => r.name);
}

/**
 * Throws 422 `unknown_channel` when the app has no channel `channel` (that
 * `user` sees): what a caller who did not ask to create channels gets for a
 * typo, with the channels they could have meant and how to create it.
 */
export async function assertChannelExists(
  user: UserDto | null,
  app: { id: string } | { bundleId: string },
  channel: string,
  appName: string,
): Promise<void> {
  const names = await channelNamesOf(user, app);
  if (names.includes(channel)) return;
  const known = names.length > 0 ? `${appName}'s channels are ${names.join(", ")}` : `${appName} has no channels yet`;
  throw new AppError(
    "unknown_channel",
    `Unknown channel "${channel}": ${known}. Pick an existing channel, or confirm that you want to create "${channel}" (the "create a new channel" box; createChannel=true in the API).`,
  );
}

/** In words, who sees a new (unrestricted) channel of an app at once: its audience. */
export async function appAudienceOf(appId: string): Promise<string> {
  if (!isUuid(appId)) return "admins";
  const app = await prisma().app.findUnique({
    where: { id: appId },
    select: { visibility: true, groups: { select: { group: { select: { name: true } } } } },
  });
  if (!app) return "admins";
  if (app.visibility === "everyone") return "everyone signed in to Ferry";
  const groups = app.groups.map((g) => g.group.name).sort();
  return groups.length > 0 ? `admins and the members of ${groups.join(", ")}` : "admins only";
}

/** For the upload form's suggestions: the channel names of the apps `user` may publish to, by app. */
export async function publishableChannelsFor(user: UserDto): Promise<{ app: string; channels: string[] }[]> {
  const apps = await prisma().app.findMany({
    where: uploadableAppsWhere(user),
    orderBy: { name: "asc" },
    select: {
      name: true,
      channels: {
        where: visibleChannelsWhere(user),
        orderBy: [{ isDefault: "desc" }, { name: "asc" }],
        select: { name: true },
      },
    },
  });
  return apps.map((a) => ({ app: a.name, channels: a.channels.map((c) => c.name) }));
}

/** Per channel of `appId` (by id): how many of its builds are in no other channel (they must move if it is deleted). */
export async function buildsOnlyInChannel(appId: string): Promise<Map<string, number>> {
  const result = new Map<string, number>();
  if (!isUuid(appId)) return result;
  // One aggregate in the database: it read every entry of the app's channels with a count per build
  // (2,000+ rows for a busy app) to count them here.
  const rows = await prisma().$queryRaw<{ channel_id: string; only_here: number }[]>`
    SELECT bc.channel_id::text AS channel_id, count(*)::int AS only_here
    FROM build_channels bc JOIN channels c ON c.id = bc.channel_id
    WHERE c.app_id = ${appId}::uuid
      AND NOT EXISTS (SELECT 1 FROM build_channels o WHERE o.build_id = bc.build_id AND o.channel_id <> bc.channel_id)
    GROUP BY bc.channel_id`;
  for (const row of rows) result.set(row.channel_id, row.only_here);
  return result;
}
