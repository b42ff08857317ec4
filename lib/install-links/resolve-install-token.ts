import type { UserRole } from "@/lib/access/roles";
import type { BuildFile } from "@/lib/builds/data";
import { requireAuthSecret } from "@/lib/config/env";
import { prisma } from "@/lib/db/client";
import { isUuid } from "@/lib/db/ids";
import { AppError } from "@/lib/errors";
import { verifyInstallToken } from "@/lib/install-links/install-token";
import type { UserDto } from "@/lib/users/data";

/**
 * How long a resolved link may be reused without asking the database. It bounds
 * how late a revocation (user disabled, sign out everywhere, build deleted,
 * access withdrawn) lands on this instance; each instance has its own cache, so
 * with several instances staleness is still at most this long.
 */
export const INSTALL_LINK_CACHE_MS = 500;
// Far above the links in use at once; beyond it the cache starts over rather than growing.
const MAX_CACHED_LINKS = 10_000;

type Resolved = { user: UserDto; build: BuildFile };
/** `revoked`: the user is gone, disabled or revoked; `no_build`: the build is gone or not theirs. */
type LinkState = { kind: "ok"; resolved: Resolved } | { kind: "revoked" } | { kind: "no_build" };
type CachedLink = { state: LinkState; expiresAt: number };

// On globalThis: Next's server bundle and the launcher load separate copies of this module.
const holder = globalThis as typeof globalThis & { ferryInstallLinkCache?: Map<string, CachedLink> };
holder.ferryInstallLinkCache ??= new Map();
const cache = holder.ferryInstallLinkCache;

/**
 * Authorizes a cookie-less request from iOS by the token in its path: genuine,
 * unexpired, its user still active with nothing revoked since the link was
 * minted (the version is compared in the query), and still allowed to see the
 * build. iOS asks for the manifest, icons, HEAD and the .ipa in quick
 * succession, so the answer is kept for INSTALL_LINK_CACHE_MS.
 */
export async function resolveInstallToken(token: string): Promise<Resolved> {
  const claims = verifyInstallToken(token, requireAuthSecret());
  const key = `${claims.userId}/${claims.userVersion}/${claims.buildId}`;
  const now = Date.now();
  let entry = cache.get(key);
  if (!entry || entry.expiresAt <= now) {
    const state = await lookUp(claims.userId, claims.userVersion, claims.buildId);
    if (cache.size >= MAX_CACHED_LINKS) cache.clear();
    entry = { state, expiresAt: now + INSTALL_LINK_CACHE_MS };
    cache.set(key, entry);
  }
  const { state } = entry;
  if (state.kind === "revoked") throw new AppError("forbidden", "This install link is no longer valid for its user.");
  if (state.kind === "no_build") {
    throw new AppError("not_found", "This build does not exist or is no longer available to you.");
  }
  return state.resolved;
}

type LinkRow = {
  user_id: string;
  email: string;
  user_name: string | null;
  role: UserRole;
  session_version: number;
  build_id: string | null;
  app_id: string | null;
  bundle_id: string | null;
  version: string | null;
  build_number: string | null;
  build_name: string | null;
  size_bytes: bigint | null;
  sha256: string | null;
  storage_key: string | null;
  created_at: Date | null;
};

/**
 * One query: the active user at that session version, and the build only if
 * the same rules as `visibleAppsWhere` (lib/access/app-access.ts) let them see
 * it: admins everything, others apps visible to everyone or granted to one of
 * their groups.
 */
async function lookUp(userId: string, userVersion: number, buildId: string): Promise<LinkState> {
  if (!isUuid(userId)) return { kind: "revoked" };
  const wantedBuild = isUuid(buildId) ? buildId : null;
  const rows = await prisma().$queryRaw<LinkRow[]>`
    SELECT u.id::text AS user_id, u.email, u.name AS user_name, u.role::text AS role, u.session_version,
           b.id::text AS build_id, b.app_id::text AS app_id, b.bundle_id, b.version, b.build_number,
           b.name AS build_name, b.size_bytes, b.sha256, b.storage_key, b.created_at
    FROM users u
    LEFT JOIN builds b ON b.id = ${wantedBuild}::uuid AND EXISTS (
      SELECT 1 FROM apps a WHERE a.id = b.app_id AND (
        u.role = 'admin' OR a.visibility = 'everyone' OR EXISTS (
          SELECT 1 FROM app_groups ag JOIN group_members gm ON gm.group_id = ag.group_id
          WHERE ag.app_id = a.id AND gm.user_id = u.id)))
    WHERE u.id = ${userId}::uuid AND u.disabled_at IS NULL AND u.session_version = ${userVersion}`;
  const row = rows[0];
  if (!row) return { kind: "revoked" };
  const user: UserDto = {
    id: row.user_id,
    email: row.email,
    name: row.user_name,
    role: row.role,
    disabled: false,
    sessionVersion: row.session_version,
  };
  if (row.build_id === null) return { kind: "no_build" };
  const build: BuildFile = {
    id: row.build_id,
    appId: row.app_id ?? "",
    bundleId: row.bundle_id ?? "",
    version: row.version ?? "",
    buildNumber: row.build_number ?? "",
    name: row.build_name ?? "",
    sizeBytes: Number(row.size_bytes ?? 0),
    sha256: row.sha256 ?? "",
    storageKey: row.storage_key ?? "",
    createdAt: row.created_at ?? new Date(0),
  };
  return { kind: "ok", resolved: { user, build } };
}
