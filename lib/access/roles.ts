import type { Role } from "@/lib/generated/prisma/client";

/**
 * The one list of roles (the database enum mirrors it; the assertion below
 * fails to compile when the two drift apart).
 *
 * - admin: everything;
 * - uploader: publishes builds to apps granted to one of their groups;
 * - member: sees and installs apps granted to them.
 *
 * What each role may do: the table in lib/access/policy.ts.
 */
export const ROLES = ["admin", "uploader", "member"] as const;
export type UserRole = (typeof ROLES)[number];

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const rolesMatchDatabase: Same<UserRole, Role> = true;
void rolesMatchDatabase;

export function isRole(value: string): value is UserRole {
  return (ROLES as readonly string[]).includes(value);
}
