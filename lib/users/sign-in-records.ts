import { prisma } from "@/lib/db/client";
import { isUniqueViolation } from "@/lib/db/errors";
import { isUuid } from "@/lib/db/ids";
import { normalizeEmail, toUserDto, type UserDto, userDtoSelect } from "@/lib/users/data";

/**
 * Writes the sign-in flow makes (lib/auth/auth-options.ts): the user is
 * signing in or out, so there is no Actor and no admin audit entry here
 * (sign-ins are audited by lib/auth). Admins' changes live in ./mutations.ts.
 */

/**
 * Ends one session (sign-out): its id is refused until `expiresAt`, when every
 * copy of its cookie has expired too; rows past that are pruned on the way.
 */
export async function revokeSession(
  input: { userId: string; sid: string; expiresAt: Date },
  now = new Date(),
): Promise<void> {
  if (!isUuid(input.userId) || !isUuid(input.sid)) return;
  await prisma().$transaction([
    prisma().revokedSession.deleteMany({ where: { expiresAt: { lt: now } } }),
    prisma().revokedSession.createMany({ data: [input], skipDuplicates: true }),
  ]);
}

export async function recordSignIn(id: string, now = new Date()): Promise<void> {
  await prisma().user.update({ where: { id }, data: { lastSignInAt: now } });
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
  const bySubject = await prisma().user.findUnique({ where: { oidcSubject: input.subject }, select: userDtoSelect });
  if (bySubject) return bySubject.disabledAt ? null : toUserDto(bySubject);
  const byEmail = await prisma().user.findUnique({ where: { email }, select: userDtoSelect });
  if (byEmail) {
    if (byEmail.disabledAt) return null;
    // Linked to another identity already: a reassigned email must not take the account over.
    const linked = await prisma().user.findUnique({ where: { id: byEmail.id }, select: { oidcSubject: true } });
    if (linked?.oidcSubject && linked.oidcSubject !== input.subject) return null;
    const row = await prisma().user.update({
      where: { id: byEmail.id },
      data: { oidcSubject: input.subject },
      select: userDtoSelect,
    });
    return toUserDto(row);
  }
  try {
    const row = await prisma().user.create({
      data: { email, name: input.name ?? null, role: "member", oidcSubject: input.subject },
      select: userDtoSelect,
    });
    return toUserDto(row);
  } catch (error) {
    if (isUniqueViolation(error)) {
      // A concurrent first sign-in created it.
      return upsertOidcUser(input);
    }
    throw error;
  }
}
