import type { GetServerSidePropsContext, Redirect } from "next";
import { notFound, redirect } from "next/navigation";
import { isAdmin } from "@/lib/access/app-access";
import { isPublisherRole } from "@/lib/access/roles";
import { currentUser, currentUserOfRequest } from "@/lib/auth/session";
import type { UserDto } from "@/lib/users/data";

function signInPath(returnTo: string): string {
  return `/sign-in?callbackUrl=${encodeURIComponent(returnTo)}`;
}

/** For pages: the signed-in user, or a redirect to sign-in that comes back here. */
export async function requireUserPage(returnTo: string): Promise<UserDto> {
  const user = await currentUser();
  if (!user) redirect(signInPath(returnTo));
  return user;
}

/**
 * The same guard for the Pages Router pages (served without the React runtime,
 * see docs/architecture.md): the user, or the redirect getServerSideProps returns.
 */
export async function requireUserRequest(
  context: Pick<GetServerSidePropsContext, "req" | "res">,
  returnTo: string,
): Promise<{ user: UserDto; redirect?: undefined } | { user?: undefined; redirect: Redirect }> {
  const user = await currentUserOfRequest(context);
  return user ? { user } : { redirect: { destination: signInPath(returnTo), permanent: false } };
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
