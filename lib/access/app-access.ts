import type { Prisma } from "@/lib/generated/prisma/client";
import type { UserDto } from "@/lib/users/data";

/**
 * Who may see (and so install) which app. The one place that decides it; every
 * query for apps, builds and install files goes through these filters.
 *
 * - admin: every app;
 * - anyone active: apps visible to everyone signed in, and apps granted to a
 *   group they belong to;
 * - disabled users: nothing.
 */
export function visibleAppsWhere(user: UserDto): Prisma.AppWhereInput {
  if (user.disabled) return { id: { in: [] } };
  if (user.role === "admin") return {};
  return {
    OR: [{ visibility: "everyone" }, { groups: { some: { group: { members: { some: { userId: user.id } } } } } }],
  };
}

/**
 * Channels `user` sees, within apps they see: unrestricted channels inherit
 * the app's access; a restricted one also needs membership of one of its
 * groups. Admins see every channel.
 */
export function visibleChannelsWhere(user: UserDto): Prisma.ChannelWhereInput {
  if (user.disabled) return { id: { in: [] } };
  if (user.role === "admin") return {};
  return {
    app: visibleAppsWhere(user),
    OR: [{ restricted: false }, { groups: { some: { group: { members: { some: { userId: user.id } } } } } }],
  };
}

/** Builds `user` sees (and so may install): in a visible app and in at least one channel they see. */
export function visibleBuildsWhere(user: UserDto): Prisma.BuildWhereInput {
  if (user.disabled) return { id: { in: [] } };
  if (user.role === "admin") return {};
  return { app: visibleAppsWhere(user), channels: { some: { channel: visibleChannelsWhere(user) } } };
}

/** Apps `user` may upload builds to: admins any; uploaders those granted to one of their groups. */
export function uploadableAppsWhere(user: UserDto): Prisma.AppWhereInput {
  if (user.disabled || user.role === "member") return { id: { in: [] } };
  if (user.role === "admin") return {};
  return { groups: { some: { group: { members: { some: { userId: user.id } } } } } };
}
