import type { Prisma } from "@/lib/generated/prisma/client";
import type { UserDto } from "@/lib/users/data";

/**
 * Who may see (and so install) which app, channel and build. The rules live in
 * one place, the SQL views of migration 20261206130000_visibility_views, which
 * the install-link resolver (lib/install-links/resolve-install-token.ts) reads
 * too; these filters only point at them, so every query for apps, channels,
 * builds and install files applies the same rules:
 *
 * - admin: everything;
 * - disabled users: nothing;
 * - others: apps visible to everyone signed in or granted to a group they
 *   belong to; within those, unrestricted channels and restricted ones granted
 *   to one of their groups; builds of a visible app in at least one channel
 *   they see.
 *
 * The database decides from the user's row (role, disabled), not from the
 * copy in `user`, so a user disabled mid-request sees nothing.
 */
export function visibleAppsWhere(user: UserDto): Prisma.AppWhereInput {
  return { visibleTo: { some: { userId: user.id } } };
}

/** Channels `user` sees (see visibleAppsWhere). */
export function visibleChannelsWhere(user: UserDto): Prisma.ChannelWhereInput {
  return { visibleTo: { some: { userId: user.id } } };
}

/** Builds `user` sees, and so may install (see visibleAppsWhere). */
export function visibleBuildsWhere(user: UserDto): Prisma.BuildWhereInput {
  return { visibleTo: { some: { userId: user.id } } };
}

/** Apps `user` may upload builds to: admins any; uploaders those granted to one of their groups. */
export function uploadableAppsWhere(user: UserDto): Prisma.AppWhereInput {
  if (user.disabled || user.role === "member") return { id: { in: [] } };
  if (user.role === "admin") return {};
  return { groups: { some: { group: { members: { some: { userId: user.id } } } } } };
}
