import { notFound, redirect } from "next/navigation";
import { isAdmin } from "@/lib/access/app-access";
import { isPublisherRole } from "@/lib/access/roles";
import { currentUser } from "@/lib/auth/session";
import type { UserDto } from "@/lib/users/data";

/** For pages: the signed-in user, or a redirect to sign-in that comes back here. */
export async function requireUserPage(returnTo: string): Promise<UserDto> {
  const user = await currentUser();
  if (!user) redirect(`/sign-in?callbackUrl=${encodeURIComponent(returnTo)}`);
  return user;
}

/** Admin pages: signed-out users go to sign-in, everyone else who is not an admin gets a 404. */
export async function requireAdminPage(returnTo: string): Promise<UserDto> {
  const user = await requireUserPage(returnTo);
  if (!isAdmin(user)) notFound();
  return user;
}

/** Publishers (admins, uploaders) see every warning; employees only what blocks their install. */
export function isPublisher(user: UserDto): boolean {
  return !user.disabled && isPublisherRole(user.role);
}
