import { roleCan } from "@/lib/access/policy";
import type { UserRole } from "@/lib/access/roles";

/**
 * The one list of API token scopes. `sign` (re-signing builds, managing
 * signing identities and profiles) is for admins' tokens only and never a
 * default: a CI token that uploads does not also get to sign.
 */
export const TOKEN_SCOPES = ["upload", "read", "sign"] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

export function isTokenScope(value: string): value is TokenScope {
  return (TOKEN_SCOPES as readonly string[]).includes(value);
}

/** What a role's tokens may carry: members never get upload (they cannot publish); only admins get sign. */
export function scopesAllowedFor(role: UserRole): readonly TokenScope[] {
  if (roleCan(role, "signing.manage")) return TOKEN_SCOPES;
  return roleCan(role, "build.upload") ? ["upload", "read"] : ["read"];
}

/** A new token's scopes when none are named: what the role allows, except `sign` (asked for explicitly). */
export function defaultScopesFor(role: UserRole): readonly TokenScope[] {
  return scopesAllowedFor(role).filter((scope) => scope !== "sign");
}
