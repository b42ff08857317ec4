import { roleCan } from "@/lib/access/policy";
import type { UserRole } from "@/lib/access/roles";

/** The one list of API token scopes. */
export const TOKEN_SCOPES = ["upload", "read"] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

export function isTokenScope(value: string): value is TokenScope {
  return (TOKEN_SCOPES as readonly string[]).includes(value);
}

/** What a role's tokens may carry: members never get upload (they cannot publish). */
export function scopesAllowedFor(role: UserRole): readonly TokenScope[] {
  return roleCan(role, "build.upload") ? TOKEN_SCOPES : ["read"];
}
