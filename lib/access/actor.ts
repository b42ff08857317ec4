import type { AuditContext } from "@/lib/audit/audit";
import type { UserDto } from "@/lib/users/data";

/**
 * Who makes a change. Every mutation takes one: it decides the policy and is
 * written to the audit log with the change, so the web and the CLI get the
 * same rules and the same trail.
 *
 * - user: a signed-in person (server action or API), with their request's context;
 * - cli: an operator with a shell on the server (`npm run cli`), trusted like an admin;
 * - system: Ferry itself (first start), trusted like an admin.
 *
 * What each may do: lib/access/policy.ts.
 */
export type Actor = { kind: "user"; user: UserDto; context: AuditContext } | { kind: "cli" } | { kind: "system" };

export const CLI_ACTOR: Actor = { kind: "cli" };
export const SYSTEM_ACTOR: Actor = { kind: "system" };

export function userActor(user: UserDto, context: AuditContext): Actor {
  return { kind: "user", user, context };
}

/** The id of the user acting, or null for the CLI and Ferry itself. */
export function actorUserId(actor: Actor): string | null {
  return actor.kind === "user" ? actor.user.id : null;
}
