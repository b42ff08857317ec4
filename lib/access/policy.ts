import type { Actor } from "@/lib/access/actor";
import type { UserRole } from "@/lib/access/roles";
import { AppError } from "@/lib/errors";
import type { UserDto } from "@/lib/users/data";

/**
 * The one permission table: which role may do what, reads included. Every
 * check (routes, pages, server actions, domain functions, the CLI) asks
 * `can(who, action)` or `authorize(who, action)`; nothing else compares roles.
 *
 * Rows are role-level: "may an uploader promote builds at all". Which apps,
 * channels and builds a permitted user reaches is the query filters' business
 * (lib/access/app-access.ts: visibleAppsWhere, uploadableAppsWhere…), applied
 * by the domain functions on top of this table.
 *
 * - `roles`: the roles allowed (disabled users: none);
 * - `owner`: also any active user acting on a subject they own (`{ ownerId }`);
 * - `denied`: the sentence a refused caller reads (403 `forbidden`).
 *
 * The CLI and Ferry itself are trusted like an admin.
 */
type Rule = { roles: readonly UserRole[]; owner?: true; denied: string };

const ADMIN_ONLY = "Forbidden: only admins can do this.";
const everyone: readonly UserRole[] = ["admin", "uploader", "member"];
const publishers: readonly UserRole[] = ["admin", "uploader"];
const admins: readonly UserRole[] = ["admin"];

export const PERMISSIONS = {
  // Apps and builds: everyone reads what the filters let them see.
  "app.read": { roles: everyone, denied: "Sign in to see apps." },
  /** Create an app (a new bundle id); uploaders publish to apps they were given. */
  "app.create": { roles: admins, denied: ADMIN_ONLY },
  /** Access, visibility, details, retention of apps. */
  "app.manage": { roles: admins, denied: ADMIN_ONLY },
  "build.upload": { roles: publishers, denied: "Only admins and uploaders can upload builds." },
  "build.edit": { roles: publishers, denied: "Only admins and uploaders can edit release notes." },
  "build.promote": { roles: publishers, denied: "Only admins and uploaders can promote builds." },
  "build.delete": { roles: publishers, denied: "Only admins and uploaders can delete builds." },
  /** Every warning of a build (publishers); employees see only what blocks their install. */
  "build.read-all-warnings": { roles: publishers, denied: "Only admins and uploaders see every warning." },
  /** Install counts and funnels. */
  "build.read-stats": { roles: admins, denied: ADMIN_ONLY },
  /** Every channel, restricted ones included (others: the channels of their groups). */
  "channel.read-all": { roles: admins, denied: ADMIN_ONLY },
  "channel.manage": { roles: admins, denied: ADMIN_ONLY },
  /** Renaming and deleting an app's channels: like publishing to it (which apps: uploadableAppsWhere). */
  "channel.rename": { roles: publishers, denied: "Only admins and this app's uploaders can rename its channels." },
  "channel.delete": { roles: publishers, denied: "Only admins and this app's uploaders can delete its channels." },
  "profile.inspect": { roles: publishers, denied: "Only admins and uploaders can inspect profiles." },
  // Devices: everyone registers and sees their own; admins all.
  "device.read": { roles: admins, owner: true, denied: ADMIN_ONLY },
  "device.manage": { roles: admins, owner: true, denied: ADMIN_ONLY },
  "device.read-all": { roles: admins, denied: "Only admins can see every device." },
  "device.export": { roles: admins, denied: "Only admins can export the device list." },
  "device.import": { roles: admins, denied: ADMIN_ONLY },
  // Administration.
  /** The admin pages. */
  "admin.open": { roles: admins, denied: ADMIN_ONLY },
  "user.read": { roles: admins, denied: ADMIN_ONLY },
  "user.manage": { roles: admins, denied: ADMIN_ONLY },
  "group.manage": { roles: admins, denied: ADMIN_ONLY },
  "webhook.read": { roles: admins, denied: ADMIN_ONLY },
  "webhook.manage": { roles: admins, denied: ADMIN_ONLY },
  "audit.read": { roles: admins, denied: ADMIN_ONLY },
  "settings.manage": { roles: admins, denied: ADMIN_ONLY },
  /** The server's own warnings (e.g. PUBLIC_URL not https). */
  "server.read-health": { roles: admins, denied: ADMIN_ONLY },
  /** Signing identities, profiles, re-signing and the jobs that do it (token scope `sign`). */
  "signing.manage": { roles: admins, denied: "Only admins can manage signing identities and re-sign builds." },
  /** The App Store Connect API key and each app's "Keep devices in sync" (token scope `sign`). */
  "app-store-connect.manage": {
    roles: admins,
    denied: "Only admins can set up the App Store Connect key and device sync.",
  },
  /** "Add my iPhone": a person asks for their own device; admins for anyone's ("Add the N missing devices"). */
  "device.provision": {
    roles: admins,
    owner: true,
    denied: "You can add only your own devices to a build; admins add anyone's.",
  },
  /** Watching an app or channel (email about new builds): each person their own. */
  "app.watch": { roles: everyone, denied: "Sign in to watch apps." },
  /** An app's update keys (the in-app update check); which apps: uploadableAppsWhere. */
  "update-key.manage": {
    roles: publishers,
    denied: "Only admins and this app's uploaders can manage its update keys.",
  },
  /** API tokens: each person their own. Which scopes a role's tokens carry: lib/tokens/scopes.ts. */
  "token.manage": { roles: [], owner: true, denied: "API tokens are created and revoked by their owner only." },
} as const satisfies Record<string, Rule>;

export type Action = keyof typeof PERMISSIONS;
export const ACTIONS = Object.keys(PERMISSIONS) as Action[];

/** Whom a check is about: an Actor (mutations), a signed-in user (reads, pages) or nobody. */
export type Who = Actor | UserDto | null | undefined;

/** The thing acted on, when the rule lets owners act on their own. */
export type Subject = { ownerId: string | null };

function asUser(who: Who): UserDto | "trusted" | null {
  if (!who) return null;
  if ("kind" in who) return who.kind === "user" ? who.user : "trusted";
  return who;
}

/** Whether `who` may do `action` (to `subject`, for rules that let owners act on their own). */
export function can(who: Who, action: Action, subject?: Subject): boolean {
  const user = asUser(who);
  if (user === "trusted") return true;
  if (!user || user.disabled) return false;
  const rule: Rule = PERMISSIONS[action];
  if (rule.roles.includes(user.role)) return true;
  return rule.owner === true && subject !== undefined && subject.ownerId === user.id;
}

/** Whether the role's rule allows `action` (for what a role may hold, e.g. token scopes; users: `can`). */
export function roleCan(role: UserRole, action: Action): boolean {
  const rule: Rule = PERMISSIONS[action];
  return rule.roles.includes(role);
}

/** `can`, or 403 `forbidden` with the action's sentence. */
export function authorize(who: Who, action: Action, subject?: Subject): void {
  if (!can(who, action, subject)) throw new AppError("forbidden", PERMISSIONS[action].denied);
}
