import { headers } from "next/headers";
import { notFound } from "next/navigation";
import { isAdmin } from "@/lib/access/app-access";
import type { AuditContext } from "@/lib/audit/audit";
import { requireUserPage } from "@/lib/auth/require-user";
import { currentUser } from "@/lib/auth/session";
import { isAppError } from "@/lib/errors";
import { requestContext } from "@/lib/http/request-context";
import type { ActionState } from "@/lib/server-actions/action-state";
import type { UserDto } from "@/lib/users/users";

/**
 * Access checks for admin pages and for server actions. Identity always comes
 * from the session (currentUser), never from form fields.
 */

/** Admin pages: signed-out users go to sign-in, everyone else who is not an admin gets a 404. */
export async function requireAdminPage(returnTo: string): Promise<UserDto> {
  const user = await requireUserPage(returnTo);
  if (!isAdmin(user)) notFound();
  return user;
}

export type ActionCaller = { user: UserDto; context: AuditContext };

/**
 * Runs a server action for the signed-in user (admins only unless
 * `adminOnly` is false). Expected failures (AppError) become the form's
 * error; anything else is logged and answered generically.
 */
export async function runAction(
  options: { adminOnly: boolean },
  body: (caller: ActionCaller) => Promise<ActionState>,
): Promise<ActionState> {
  const user = await currentUser();
  if (!user) return { error: "Your session has ended: sign in again." };
  if (options.adminOnly && !isAdmin(user)) return { error: "Forbidden: only admins can do this." };
  try {
    return await body({ user, context: requestContext(await headers()) });
  } catch (error) {
    if (isAppError(error)) return { error: error.message };
    console.error("[ferry] server action failed", error);
    return { error: "Something went wrong on our side. Please try again; details are in the server log." };
  }
}
