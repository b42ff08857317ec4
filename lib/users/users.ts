import { hashPassword } from "@/lib/auth/password";
import { prisma } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { Prisma, type Role } from "@/lib/generated/prisma/client";

export type UserRole = Role;

export type UserDto = {
  id: string;
  email: string;
  name: string | null;
  role: UserRole;
  disabled: boolean;
  /** Sessions and install links carry it; bumping it ends them all (disable, sign out everywhere, new password). */
  sessionVersion: number;
};

const dtoSelect = { id: true, email: true, name: true, role: true, disabledAt: true, sessionVersion: true } as const;

function toDto(row: {
  id: string;
  email: string;
  name: string | null;
  role: Role;
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

export async function createUser(input: {
  email: string;
  password?: string;
  role?: UserRole;
  name?: string;
}): Promise<UserDto> {
  try {
    const row = await prisma().user.create({
      data: {
        email: normalizeEmail(input.email),
        name: input.name ?? null,
        role: input.role ?? "member",
        passwordHash: input.password ? await hashPassword(input.password) : null,
      },
      select: dtoSelect,
    });
    return toDto(row);
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      throw new AppError("conflict", `A user with the email ${normalizeEmail(input.email)} already exists.`);
    }
    throw error;
  }
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
  const row = await prisma().user.findUnique({ where: { email: normalizeEmail(email) }, select: dtoSelect });
  return row ? toDto(row) : null;
}

/**
 * The user behind a session: active, no session of theirs revoked since it was
 * issued (version), and this session not signed out (sid). One indexed query.
 */
export async function findSessionUser(id: string, sessionVersion: number, sid: string): Promise<UserDto | null> {
  if (!UUID.test(id) || !UUID.test(sid)) return null;
  const row = await prisma().user.findFirst({
    where: { id, disabledAt: null, sessionVersion, revokedSessions: { none: { sid } } },
    select: dtoSelect,
  });
  return row ? toDto(row) : null;
}

/**
 * The user behind an install link: active, and nothing revoked since the link
 * was minted (a disable, even if undone, sign out everywhere, a new password).
 */
export async function findInstallLinkUser(id: string, sessionVersion: number): Promise<UserDto | null> {
  if (!UUID.test(id)) return null;
  const row = await prisma().user.findFirst({ where: { id, disabledAt: null, sessionVersion }, select: dtoSelect });
  return row ? toDto(row) : null;
}

export type UserAdminDto = UserDto & {
  createdAt: string;
  lastSignInAt: string | null;
  hasPassword: boolean;
  sso: boolean;
  groups: { id: string; name: string }[];
};

export async function listUsers(): Promise<UserAdminDto[]> {
  const rows = await prisma().user.findMany({
    orderBy: [{ disabledAt: { sort: "asc", nulls: "first" } }, { email: "asc" }],
    select: {
      ...dtoSelect,
      createdAt: true,
      lastSignInAt: true,
      passwordHash: true,
      oidcSubject: true,
      groups: { select: { group: { select: { id: true, name: true } } }, orderBy: { group: { name: "asc" } } },
    },
  });
  return rows.map((row) => ({
    ...toDto(row),
    createdAt: row.createdAt.toISOString(),
    lastSignInAt: row.lastSignInAt?.toISOString() ?? null,
    hasPassword: row.passwordHash !== null,
    sso: row.oidcSubject !== null,
    groups: row.groups.map((g) => g.group),
  }));
}

export async function findUserById(id: string): Promise<UserDto | null> {
  if (!UUID.test(id)) return null;
  const row = await prisma().user.findUnique({ where: { id }, select: dtoSelect });
  return row ? toDto(row) : null;
}

export async function setUserRole(id: string, role: UserRole): Promise<void> {
  await prisma().user.update({ where: { id }, data: { role } });
}

/** Disabling ends every session and install link (for good: re-enabling revives none) and revokes every API token. */
export async function disableUser(id: string, now = new Date()): Promise<void> {
  await prisma().$transaction([
    prisma().user.update({ where: { id }, data: { disabledAt: now, sessionVersion: { increment: 1 } } }),
    prisma().apiToken.updateMany({ where: { userId: id, revokedAt: null }, data: { revokedAt: now } }),
  ]);
}

export async function enableUser(id: string): Promise<void> {
  await prisma().user.update({ where: { id }, data: { disabledAt: null } });
}

/** Signs the user out everywhere and stops their outstanding install links. */
export async function revokeSessions(id: string): Promise<void> {
  await prisma().user.update({ where: { id }, data: { sessionVersion: { increment: 1 } } });
}

/** A new password also ends every existing session and install link (the old password may have leaked). */
export async function setPassword(id: string, password: string): Promise<void> {
  await prisma().user.update({
    where: { id },
    data: { passwordHash: await hashPassword(password), sessionVersion: { increment: 1 } },
  });
}

/**
 * Ends one session (sign-out): its id is refused until `expiresAt`, when every
 * copy of its cookie has expired too; rows past that are pruned on the way.
 */
export async function revokeSession(
  input: { userId: string; sid: string; expiresAt: Date },
  now = new Date(),
): Promise<void> {
  if (!UUID.test(input.userId) || !UUID.test(input.sid)) return;
  await prisma().$transaction([
    prisma().revokedSession.deleteMany({ where: { expiresAt: { lt: now } } }),
    prisma().revokedSession.createMany({ data: [input], skipDuplicates: true }),
  ]);
}

export async function recordSignIn(id: string, now = new Date()): Promise<void> {
  await prisma().user.update({ where: { id }, data: { lastSignInAt: now } });
}

/** For session creation: the version a new session is stamped with. */
export async function sessionVersionOf(id: string): Promise<number> {
  const row = await prisma().user.findUnique({ where: { id }, select: { sessionVersion: true } });
  return row?.sessionVersion ?? 0;
}

/**
 * Finds or creates the account for an OpenID Connect sign-in: by subject
 * first, else by verified email (linking an existing local account), else a
 * new member. Returns null for a disabled account.
 */
export async function upsertOidcUser(input: {
  subject: string;
  email: string;
  name?: string | null;
}): Promise<UserDto | null> {
  const email = normalizeEmail(input.email);
  const bySubject = await prisma().user.findUnique({ where: { oidcSubject: input.subject }, select: dtoSelect });
  if (bySubject) return bySubject.disabledAt ? null : toDto(bySubject);
  const byEmail = await prisma().user.findUnique({ where: { email }, select: dtoSelect });
  if (byEmail) {
    if (byEmail.disabledAt) return null;
    // Linked to another identity already: a reassigned email must not take the account over.
    const linked = await prisma().user.findUnique({ where: { id: byEmail.id }, select: { oidcSubject: true } });
    if (linked?.oidcSubject && linked.oidcSubject !== input.subject) return null;
    const row = await prisma().user.update({
      where: { id: byEmail.id },
      data: { oidcSubject: input.subject },
      select: dtoSelect,
    });
    return toDto(row);
  }
  try {
    const row = await prisma().user.create({
      data: { email, name: input.name ?? null, role: "member", oidcSubject: input.subject },
      select: dtoSelect,
    });
    return toDto(row);
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      // A concurrent first sign-in created it.
      return upsertOidcUser(input);
    }
    throw error;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
