import type { GetServerSidePropsContext, Redirect } from "next";
import { notFound, redirect } from "next/navigation";
import { type Action, can } from "@/lib/access/policy";
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

/**
 * requirePagePermission for a Pages Router page: sign-in for the signed out;
 * `forbidden` (answer with litePageNotFound) for everyone else without it.
 */
export async function requirePermissionRequest(
  context: Pick<GetServerSidePropsContext, "req" | "res">,
  returnTo: string,
  action: Action,
): Promise<{ user: UserDto; forbidden: boolean; redirect?: undefined } | { user?: undefined; redirect: Redirect }> {
  const gate = await requireUserRequest(context, returnTo);
  return gate.redirect ? gate : { user: gate.user, forbidden: !can(gate.user, action) };
}

/**
 * Pages for one permission (lib/access/policy.ts): signed-out users go to
 * sign-in, everyone else without it gets a 404 (the page's existence stays private).
 */
export async function requirePagePermission(returnTo: string, action: Action): Promise<UserDto> {
  const user = await requireUserPage(returnTo);
  if (!can(user, action)) notFound();
  return user;
}

/** Admin pages: `requirePagePermission` for the admin area. */
export function requireAdminPage(returnTo: string): Promise<UserDto> {
  return requirePagePermission(returnTo, "admin.open");
}
