import { authorize, type Who } from "@/lib/access/policy";
import type { UserRole } from "@/lib/access/roles";
import { prisma } from "@/lib/db/client";
import { isUuid } from "@/lib/db/ids";
import type { Prisma } from "@/lib/generated/prisma/client";
import { decodeCursor, encodeCursor, type Page, type PageQuery, toPage } from "@/lib/http/pagination";

/**
 * Users as the rest of Ferry sees them (plain DTOs, never the password hash
 * outside lib/auth). Changes made by admins and the CLI live in ./mutations.ts.
 */

export type UserDto = {
  id: string;
  email: string;
  name: string | null;
  role: UserRole;
  disabled: boolean;
  /** Sessions and install links carry it; bumping it ends them all (disable, sign out everywhere, new password). */
  sessionVersion: number;
  /**
   * Only on the user of a request signed in with a browser session: that session's id
   * (no credential: the signed cookie is). Install links minted for it carry it and
   * stop when the session signs out. Absent for API tokens and the CLI.
   */
  sessionId?: string;
};

export const userDtoSelect = {
  id: true,
  email: true,
  name: true,
  role: true,
  disabledAt: true,
  sessionVersion: true,
} as const;

export function toUserDto(row: {
  id: string;
  email: string;
  name: string | null;
  role: UserRole;
  disabledAt: Date | null;
  sessionVersion: number;
}): UserDto {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    disabled: row.disabledAt !== null,
    sessionVersion: row.sessionVersion,
  };
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export async function countUsers(): Promise<number> {
  return prisma().user.count();
}

/** For the sign-in check only: includes the password hash, never leaves lib/auth. */
export async function findCredentialsByEmail(
  email: string,
): Promise<{ id: string; email: string; role: UserRole; passwordHash: string | null; disabled: boolean } | null> {
  const row = await prisma().user.findUnique({
    where: { email: normalizeEmail(email) },
    select: { id: true, email: true, role: true, passwordHash: true, disabledAt: true },
  });
  if (!row) return null;
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    passwordHash: row.passwordHash,
    disabled: row.disabledAt !== null,
  };
}

export async function findUserByEmail(email: string): Promise<UserDto | null> {
  const row = await prisma().user.findUnique({ where: { email: normalizeEmail(email) }, select: userDtoSelect });
  return row ? toUserDto(row) : null;
}

/**
 * The user behind a session: active, no session of theirs revoked since it was
 * issued (version), and this session not signed out (sid). One indexed query.
 */
export async function findSessionUser(id: string, sessionVersion: number, sid: string): Promise<UserDto | null> {
  if (!isUuid(id) || !isUuid(sid)) return null;
  const row = await prisma().user.findFirst({
    where: { id, disabledAt: null, sessionVersion, revokedSessions: { none: { sid } } },
    select: userDtoSelect,
  });
  return row ? toUserDto(row) : null;
}

/**
 * The user behind an install link: active, and nothing revoked since the link
 * was minted (a disable, even if undone, sign out everywhere, a new password).
 */
export async function findInstallLinkUser(id: string, sessionVersion: number): Promise<UserDto | null> {
  if (!isUuid(id)) return null;
  const row = await prisma().user.findFirst({ where: { id, disabledAt: null, sessionVersion }, select: userDtoSelect });
  return row ? toUserDto(row) : null;
}

export type UserAdminDto = UserDto & {
  createdAt: string;
  lastSignInAt: string | null;
  hasPassword: boolean;
  sso: boolean;
  groups: { id: string; name: string }[];
};

const userAdminSelect = {
  ...userDtoSelect,
  createdAt: true,
  lastSignInAt: true,
  passwordHash: true,
  oidcSubject: true,
  groups: { select: { group: { select: { id: true, name: true } } }, orderBy: { group: { name: "asc" } } },
} as const satisfies Prisma.UserSelect;

function toUserAdminDto(row: Prisma.UserGetPayload<{ select: typeof userAdminSelect }>): UserAdminDto {
  return {
    ...toUserDto(row),
    createdAt: row.createdAt.toISOString(),
    lastSignInAt: row.lastSignInAt?.toISOString() ?? null,
    hasPassword: row.passwordHash !== null,
    sso: row.oidcSubject !== null,
    groups: row.groups.map((g) => g.group),
  };
}

/**
 * One page of users for the admin's Users page: active ones first, then
 * disabled, each by email; keyset on (disabled, email) (lib/http/pagination.ts),
 * with the totals for the header. Admins only.
 */
export async function listUsersPage(
  who: Who,
  page: PageQuery,
): Promise<Page<UserAdminDto> & { total: number; active: number }> {
  authorize(who, "user.read");
  let after: Prisma.UserWhereInput = {};
  if (page.cursor) {
    // The last row's disabledAt ("" when active) and email: the order's own key.
    const [disabledAt, email] = decodeCursor(page.cursor, 2);
    const since = disabledAt ? new Date(disabledAt) : null;
    if (since && Number.isNaN(since.getTime())) return { items: [], nextCursor: null, total: 0, active: 0 };
    after = since
      ? { OR: [{ disabledAt: { gt: since } }, { disabledAt: since, email: { gt: email } }] }
      : { OR: [{ disabledAt: null, email: { gt: email } }, { disabledAt: { not: null } }] };
  }
  const [rows, [counts]] = await Promise.all([
    // In the order of users_disabled_at_email_idx (migration 20261208130000_users_admin_order).
    prisma().user.findMany({
      where: after,
      orderBy: [{ disabledAt: { sort: "asc", nulls: "first" } }, { email: "asc" }],
      take: page.limit + 1,
      select: userAdminSelect,
    }),
    // Both counts in one pass over users, not two.
    prisma().$queryRaw<{ total: number; active: number }[]>`
      SELECT count(*)::int AS total, count(*) FILTER (WHERE disabled_at IS NULL)::int AS active FROM users`,
  ]);
  const total = counts?.total ?? 0;
  const active = counts?.active ?? 0;
  return {
    ...toPage(
      rows,
      page.limit,
      (row) => encodeCursor([row.disabledAt?.toISOString() ?? "", row.email]),
      toUserAdminDto,
    ),
    total,
    active,
  };
}

/** Whether `userId`'s account is linked to single sign-on (the admin's own settings page). */
export async function isSsoLinked(userId: string): Promise<boolean> {
  const row = await prisma().user.findUnique({ where: { id: userId }, select: { oidcSubject: true } });
  return (row?.oidcSubject ?? null) !== null;
}

export async function findUserById(id: string): Promise<UserDto | null> {
  if (!isUuid(id)) return null;
  const row = await prisma().user.findUnique({ where: { id }, select: userDtoSelect });
  return row ? toUserDto(row) : null;
}

/** For session creation: the version a new session is stamped with. */
export async function sessionVersionOf(id: string): Promise<number> {
  const row = await prisma().user.findUnique({ where: { id }, select: { sessionVersion: true } });
  return row?.sessionVersion ?? 0;
}

/**
 * Who to ask for access to an app, for the page a shared link to something the
 * reader cannot see shows (components/install/no-access.tsx): active admins'
 * addresses, at most `limit`. Admins are the ones who grant access; naming
 * them says nothing about any app.
 */
export async function adminContacts(limit = 3): Promise<string[]> {
  const rows = await prisma().user.findMany({
    where: { role: "admin", disabledAt: null },
    orderBy: [{ lastSignInAt: { sort: "desc", nulls: "last" } }, { email: "asc" }],
    take: limit,
    select: { email: true },
  });
  return rows.map((r) => r.email);
}
