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
};

const dtoSelect = { id: true, email: true, name: true, role: true, disabledAt: true } as const;

function toDto(row: { id: string; email: string; name: string | null; role: Role; disabledAt: Date | null }): UserDto {
  return { id: row.id, email: row.email, name: row.name, role: row.role, disabled: row.disabledAt !== null };
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

/** The user if it exists and is not disabled. */
export async function findActiveUser(id: string): Promise<UserDto | null> {
  const row = await prisma().user.findFirst({ where: { id, disabledAt: null }, select: dtoSelect });
  return row ? toDto(row) : null;
}
