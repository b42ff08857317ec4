import { visibleAppsWhere, visibleChannelsWhere } from "@/lib/access/app-access";
import { env } from "@/lib/config/env";
import { prisma } from "@/lib/db/client";
import { isUuid } from "@/lib/db/ids";
import type { UserDto } from "@/lib/users/data";

/** What people watch (reads). Changes: ./mutations.ts; email: ./outbox.ts. */

export type WatchDto = {
  id: string;
  appId: string;
  appName: string;
  /** null: the whole app. */
  channel: string | null;
  createdAt: string;
};

/** Whether this server sends email at all (SMTP_URL and MAIL_FROM set). */
export function notificationsEnabled(): boolean {
  return env().mail !== null;
}

/** `user`'s watches of apps and channels they still see, by app name. */
export async function listWatchesFor(user: UserDto): Promise<WatchDto[]> {
  const rows = await prisma().watch.findMany({ where: { userId: user.id }, orderBy: { createdAt: "asc" } });
  if (rows.length === 0) return [];
  const [apps, channels] = await Promise.all([
    prisma().app.findMany({
      where: { AND: [{ id: { in: [...new Set(rows.map((r) => r.appId))] } }, visibleAppsWhere(user)] },
      select: { id: true, name: true },
    }),
    prisma().channel.findMany({
      where: {
        AND: [{ id: { in: rows.flatMap((r) => (r.channelId ? [r.channelId] : [])) } }, visibleChannelsWhere(user)],
      },
      select: { id: true, name: true },
    }),
  ]);
  const appName = new Map(apps.map((a) => [a.id, a.name]));
  const channelName = new Map(channels.map((c) => [c.id, c.name]));
  return rows
    .filter((r) => appName.has(r.appId) && (r.channelId === null || channelName.has(r.channelId)))
    .map((r) => ({
      id: r.id,
      appId: r.appId,
      appName: appName.get(r.appId) ?? "",
      channel: r.channelId ? (channelName.get(r.channelId) ?? null) : null,
      createdAt: r.createdAt.toISOString(),
    }))
    .sort((a, b) => a.appName.localeCompare(b.appName) || (a.channel ?? "").localeCompare(b.channel ?? ""));
}

/** Whether `user` watches app `appId` (channel null) or its channel `channelId`. */
export async function isWatching(user: UserDto, appId: string, channelId: string | null): Promise<boolean> {
  if (!isUuid(appId)) return false;
  const count = await prisma().watch.count({ where: { userId: user.id, appId, channelId } });
  return count > 0;
}

/** The Watch control's state on an app page (channel null) or a channel page. */
export async function watchControlFor(
  user: UserDto,
  appId: string,
  channel: { id: string; name: string } | null,
): Promise<{ appId: string; channel: string | null; watching: boolean; mailEnabled: boolean }> {
  return {
    appId,
    channel: channel?.name ?? null,
    watching: await isWatching(user, appId, channel?.id ?? null),
    mailEnabled: notificationsEnabled(),
  };
}
