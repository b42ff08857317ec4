import { prisma } from "@/lib/db/client";
import { isUuid } from "@/lib/db/ids";
import type { UserDto } from "@/lib/users/data";

/**
 * An app's default channel: the channel whose newest build leads its install
 * page (lead card, big Install, trust steps, desktop QR code) and the app list.
 * Admins pick it (app settings, `apps.default_channel_id`); otherwise a channel
 * named `production`, else one named `default` (where uploads without a channel
 * go); otherwise there is none and the newest build leads, as before.
 * `production` wins over `default`: a team that made a production channel
 * keeps its untagged uploads out of everyone's big Install button.
 */
export const DEFAULT_CHANNEL_NAMES = ["production", "default"] as const;

type ChannelRef = { id: string; name: string };

/**
 * Each app's default-channel candidates, best first: the channel admins
 * picked, then `production`, then `default` (unscoped: leadOf narrows them to
 * what the reader sees).
 */
async function candidatesOf(appIds: string[]): Promise<Map<string, ChannelRef[]>> {
  const ids = appIds.filter(isUuid);
  const result = new Map<string, ChannelRef[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return result;
  const apps = await prisma().app.findMany({
    where: { id: { in: ids } },
    select: { id: true, defaultChannelId: true },
  });
  const picked = apps.flatMap((a) => (a.defaultChannelId ? [a.defaultChannelId] : []));
  const channels = await prisma().channel.findMany({
    where: { OR: [{ id: { in: picked } }, { appId: { in: ids }, name: { in: [...DEFAULT_CHANNEL_NAMES] } }] },
    select: { id: true, name: true, appId: true },
  });
  for (const app of apps) {
    const own = channels.filter((c) => c.appId === app.id);
    const ordered = [
      own.find((c) => c.id === app.defaultChannelId),
      ...DEFAULT_CHANNEL_NAMES.map((name) => own.find((c) => c.name === name)),
    ].filter((c, i, all): c is (typeof own)[number] => c !== undefined && all.indexOf(c) === i);
    result.set(
      app.id,
      ordered.map((c) => ({ id: c.id, name: c.name })),
    );
  }
  return result;
}

export type LeadBuild = { id: string; version: string; buildNumber: string; createdAt: string };

/**
 * Per app, what `user` is shown first: the first candidate (picked, production,
 * default) that `user` sees and that holds a build `user` sees, with that
 * newest build (last added, as a channel's page orders them). A restricted
 * channel's name stays hidden from those outside it: for them the next
 * candidate leads. `channel: null, build: null`: none applies, and the caller
 * leads with the newest build `user` sees.
 */
export async function leadOf(
  user: UserDto,
  appIds: string[],
): Promise<Map<string, { channel: string | null; build: LeadBuild | null }>> {
  const candidates = await candidatesOf(appIds);
  const channelIds = [...candidates.values()].flatMap((list) => list.map((c) => c.id));
  // Each candidate channel `user` sees, its newest build by build_channels (channel_id, added_at): one short
  // index range per channel. Every build in a channel `user` sees is one `user` sees (ferry_visible_builds), so
  // checking the channel is enough. Prisma's `distinct` fetched every visible row of these channels instead.
  const newest =
    channelIds.length === 0
      ? []
      : (
          await prisma().$queryRaw<
            { channel_id: string; id: string; version: string; build_number: string; created_at: Date }[]
          >`
          SELECT c.id::text AS channel_id, b.id::text AS id, b.version, b.build_number, b.created_at
          FROM unnest(${channelIds}::uuid[]) AS c(id)
          JOIN LATERAL (
            SELECT bc.build_id FROM build_channels bc
            WHERE bc.channel_id = c.id
            ORDER BY bc.added_at DESC, bc.build_id DESC
            LIMIT 1
          ) n ON EXISTS (SELECT 1 FROM ferry_visible_channels vc WHERE vc.user_id = ${user.id}::uuid AND vc.channel_id = c.id)
          JOIN builds b ON b.id = n.build_id`
        ).map((row) => ({
          channelId: row.channel_id,
          build: { id: row.id, version: row.version, buildNumber: row.build_number, createdAt: row.created_at },
        }));
  const result = new Map<string, { channel: string | null; build: LeadBuild | null }>();
  for (const [appId, list] of candidates) {
    let lead: { channel: string | null; build: LeadBuild | null } = { channel: null, build: null };
    for (const channel of list) {
      const row = newest.find((n) => n.channelId === channel.id)?.build;
      if (!row) continue;
      lead = { channel: channel.name, build: { ...row, createdAt: row.createdAt.toISOString() } };
      break;
    }
    result.set(appId, lead);
  }
  return result;
}
