import { type Actor, actorUserId } from "@/lib/access/actor";
import { authorize } from "@/lib/access/policy";
import type { UserRole } from "@/lib/access/roles";
import { recordChange } from "@/lib/audit/audit";
import { hashPassword } from "@/lib/auth/password";
import { prisma } from "@/lib/db/client";
import { isUniqueViolation } from "@/lib/db/errors";
import { AppError, parseInput } from "@/lib/errors";
import { findUserById, normalizeEmail, toUserDto, type UserDto, userDtoSelect } from "@/lib/users/data";
import { type NewUser, newUserSchema, passwordSchema } from "@/lib/users/schema";

/**
 * Changes to accounts. Each one checks who may make it, makes it and writes
 * the audit row, so the admin pages and the CLI behave the same. Each returns
 * whether anything changed (repeating a change is not an error).
 */

async function existingUser(id: string): Promise<UserDto> {
  const user = await findUserById(id);
  if (!user) throw new AppError("not_found", "This user no longer exists: reload the page.");
  return user;
}

export async function createUser(input: NewUser, by: Actor): Promise<UserDto> {
  authorize(by, "user.manage");
  const { email, name, role, password } = parseInput(newUserSchema, input);
  // Hashed before the transaction: it is slow on purpose.
  const passwordHash = password ? await hashPassword(password) : null;
  try {
    return await prisma().$transaction(async (tx) => {
      const user = toUserDto(
        await tx.user.create({
          data: { email: normalizeEmail(email), name: name ?? null, role, passwordHash },
          select: userDtoSelect,
        }),
      );
      await recordChange(tx, by, {
        action: "user.create",
        target: { type: "user", id: user.id },
        details: { email: user.email, role: user.role, password: password !== undefined },
      });
      return user;
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new AppError("conflict", `A user with the email ${normalizeEmail(email)} already exists.`);
    }
    throw error;
  }
}

export async function changeUserRole(
  input: { userId: string; role: UserRole },
  by: Actor,
): Promise<{ user: UserDto; changed: boolean }> {
  authorize(by, "user.manage");
  const target = await existingUser(input.userId);
  if (target.id === actorUserId(by) && input.role !== "admin") {
    throw new AppError("forbidden", "You cannot remove your own admin role. Ask another admin to do it.");
  }
  if (target.role === input.role) return { user: target, changed: false };
  await prisma().$transaction(async (tx) => {
    await tx.user.update({ where: { id: target.id }, data: { role: input.role } });
    await recordChange(tx, by, {
      action: "user.role_change",
      target: { type: "user", id: target.id },
      details: { email: target.email, from: target.role, to: input.role },
    });
  });
  return { user: { ...target, role: input.role }, changed: true };
}

/** Disabling ends every session, revokes every API token; install links stop at their next use. */
export async function disableUser(
  input: { userId: string },
  by: Actor,
  now = new Date(),
): Promise<{ user: UserDto; changed: boolean }> {
  authorize(by, "user.manage");
  const target = await existingUser(input.userId);
  if (target.id === actorUserId(by)) throw new AppError("forbidden", "You cannot disable your own account.");
  if (target.disabled) return { user: target, changed: false };
  await prisma().$transaction(async (tx) => {
    await tx.user.update({ where: { id: target.id }, data: { disabledAt: now, sessionVersion: { increment: 1 } } });
    await tx.apiToken.updateMany({ where: { userId: target.id, revokedAt: null }, data: { revokedAt: now } });
    await recordChange(tx, by, {
      action: "user.disable",
      target: { type: "user", id: target.id },
      details: { email: target.email },
    });
  });
  return { user: { ...target, disabled: true }, changed: true };
}

export async function enableUser(input: { userId: string }, by: Actor): Promise<{ user: UserDto; changed: boolean }> {
  authorize(by, "user.manage");
  const target = await existingUser(input.userId);
  if (!target.disabled) return { user: target, changed: false };
  await prisma().$transaction(async (tx) => {
    await tx.user.update({ where: { id: target.id }, data: { disabledAt: null } });
    await recordChange(tx, by, {
      action: "user.enable",
      target: { type: "user", id: target.id },
      details: { email: target.email },
    });
  });
  return { user: { ...target, disabled: false }, changed: true };
}

/**
 * Signs the user out everywhere: the button for an account that may be in the
 * wrong hands, so it leaves no way in. Every session and install link ends, and
 * every API token is revoked too (whoever held a session could have created
 * one). A new password, by contrast, keeps the tokens.
 */
export async function revokeUserSessions(
  input: { userId: string },
  by: Actor,
  now = new Date(),
): Promise<{ user: UserDto; tokensRevoked: number }> {
  authorize(by, "user.manage");
  const target = await existingUser(input.userId);
  const tokens = await prisma().$transaction(async (tx) => {
    await tx.user.update({ where: { id: target.id }, data: { sessionVersion: { increment: 1 } } });
    const revoked = await tx.apiToken.updateMany({
      where: { userId: target.id, revokedAt: null },
      data: { revokedAt: now },
    });
    await recordChange(tx, by, {
      action: "user.sessions_revoke",
      target: { type: "user", id: target.id },
      details: { email: target.email, tokensRevoked: revoked.count },
    });
    return revoked;
  });
  return { user: target, tokensRevoked: tokens.count };
}

/** A new password also ends every existing session (the old one may have leaked). */
export async function setUserPassword(
  input: { userId: string; password: string },
  by: Actor,
): Promise<{ user: UserDto }> {
  authorize(by, "user.manage");
  const password = parseInput(passwordSchema, input.password);
  const target = await existingUser(input.userId);
  const passwordHash = await hashPassword(password);
  await prisma().$transaction(async (tx) => {
    await tx.user.update({
      where: { id: target.id },
      data: { passwordHash, sessionVersion: { increment: 1 } },
    });
    await recordChange(tx, by, {
      action: "user.password_set",
      target: { type: "user", id: target.id },
      details: { email: target.email },
    });
  });
  return { user: target };
}
