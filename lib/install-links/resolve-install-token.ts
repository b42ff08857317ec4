import pg from "pg";
import type { UserRole } from "@/lib/access/roles";
import type { BuildFile } from "@/lib/builds/data";
import { requireAuthSecret, requireDatabaseUrl } from "@/lib/config/env";
import { prisma } from "@/lib/db/client";
import { isUuid } from "@/lib/db/ids";
import { AppError } from "@/lib/errors";
import { verifyInstallToken } from "@/lib/install-links/install-token";
import type { UserDto } from "@/lib/users/data";

/**
 * How long a resolved link may be reused without asking the database. Changes
 * that can revoke a link (user disabled, signed out everywhere, or the session
 * that minted it signed out; build deleted, access withdrawn) drop every instance's cache at once through a PostgreSQL
 * notification (migration 20261129200000_install_link_notify); this TTL bounds
 * staleness should a notification ever be missed. The cache is used only while
 * this instance is listening, so a lost connection means no caching, not stale
 * answers.
 */
export const INSTALL_LINK_CACHE_MS = 500;
// Far above the links in use at once; beyond it the cache starts over rather than growing.
const MAX_CACHED_LINKS = 10_000;
const NOTIFY_CHANNEL = "ferry_install_links";
// After a failed or lost LISTEN connection, try again at most this often.
const LISTEN_RETRY_MS = 5_000;

type Resolved = { user: UserDto; build: BuildFile };
/** `revoked`: the user is gone, disabled or revoked; `no_build`: the build is gone or not theirs. */
type LinkState = { kind: "ok"; resolved: Resolved } | { kind: "revoked" } | { kind: "no_build" };
type CachedLink = { state: LinkState; expiresAt: number };
type LinkCache = {
  entries: Map<string, CachedLink>;
  /** Lookups under way: requests for the same link that miss the cache meanwhile share them. */
  pending: Map<string, Promise<CachedLink>>;
  /** Bumped whenever the cache is emptied: a lookup that raced a revocation is not kept. */
  generation: number;
  listening: "no" | "connecting" | "yes";
  lastAttempt: number;
};

// On globalThis: one cache and one listener per process, however many copies of this module are loaded.
const holder = globalThis as typeof globalThis & { ferryInstallLinkCache?: LinkCache };
holder.ferryInstallLinkCache ??= {
  entries: new Map(),
  pending: new Map(),
  generation: 0,
  listening: "no",
  lastAttempt: 0,
};
const cache = holder.ferryInstallLinkCache;

function forgetAll(): void {
  cache.generation += 1;
  cache.entries.clear();
  // Requests arriving after a revocation do not join a lookup that started before it.
  cache.pending.clear();
}

/** One dedicated connection per instance LISTENs for revocations; every notification empties the cache. */
function listenForRevocations(now: number): void {
  if (cache.listening !== "no" || now - cache.lastAttempt < LISTEN_RETRY_MS) return;
  cache.listening = "connecting";
  cache.lastAttempt = now;
  const client = new pg.Client({ connectionString: requireDatabaseUrl(), connectionTimeoutMillis: 5_000 });
  let alive = true;
  const lost = (): void => {
    if (!alive) return;
    alive = false;
    cache.listening = "no";
    forgetAll();
    void client.end().catch(() => {});
  };
  client.on("error", lost);
  client.on("end", lost);
  client.on("notification", forgetAll);
  client
    .connect()
    .then(() => client.query(`LISTEN ${NOTIFY_CHANNEL}`))
    .then(() => {
      if (cache.listening !== "connecting") return;
      forgetAll();
      cache.listening = "yes";
    })
    .catch(lost);
}

/**
 * Authorizes a cookie-less request from iOS by the token in its path: genuine,
 * unexpired, its user still active with nothing revoked since the link was
 * minted (the version is compared in the query), the browser session that
 * minted it not signed out, and still allowed to see the build. iOS asks for the manifest, icons, HEAD and the .ipa in quick
 * succession, so the answer is kept for INSTALL_LINK_CACHE_MS.
 */
export async function resolveInstallToken(token: string): Promise<Resolved & { expiresAt: Date }> {
  const claims = verifyInstallToken(token, requireAuthSecret());
  const key = `${claims.userId}/${claims.userVersion}/${claims.sessionId ?? "-"}/${claims.buildId}`;
  const now = Date.now();
  listenForRevocations(now);
  let entry = cache.listening === "yes" ? cache.entries.get(key) : undefined;
  if (!entry || entry.expiresAt <= now) {
    entry = await refreshLink(key, claims);
  } else if (entry.expiresAt - now < INSTALL_LINK_CACHE_MS / 2) {
    // A link in use is looked up again before its entry expires, so its requests do not wait for the database.
    void refreshLink(key, claims).catch(() => {});
  }
  const { state } = entry;
  if (state.kind === "revoked") throw new AppError("forbidden", "This install link is no longer valid for its user.");
  if (state.kind === "no_build") {
    throw new AppError("not_found", "This build does not exist or is no longer available to you.");
  }
  return { ...state.resolved, expiresAt: claims.expiresAt };
}

/**
 * Looks a link up and caches the answer for INSTALL_LINK_CACHE_MS from when
 * the query started, unless a revocation was announced meanwhile (the cache
 * was emptied: the answer may predate it). While listening, requests for the
 * same link share the lookup under way: an expiring entry under 64
 * concurrent fetches costs one query, not 64.
 */
function refreshLink(
  key: string,
  claims: { userId: string; userVersion: number; sessionId: string | null; buildId: string },
): Promise<CachedLink> {
  const startedAt = Date.now();
  const query = () => lookUp(claims.userId, claims.userVersion, claims.sessionId, claims.buildId);
  if (cache.listening !== "yes") return query().then((state) => ({ state, expiresAt: startedAt }));
  const pending = cache.pending.get(key);
  if (pending) return pending;
  const generation = cache.generation;
  const started = query()
    .then((state) => {
      const entry = { state, expiresAt: startedAt + INSTALL_LINK_CACHE_MS };
      if (cache.listening === "yes" && generation === cache.generation) {
        if (cache.entries.size >= MAX_CACHED_LINKS) cache.entries.clear();
        cache.entries.set(key, entry);
      }
      return entry;
    })
    .finally(() => {
      if (cache.pending.get(key) === started) cache.pending.delete(key);
    });
  cache.pending.set(key, started);
  return started;
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
 * One query: the active user at that session version whose minting session (if
 * any) is not signed out, and the build only if they see it: the view
 * ferry_visible_builds, which `visibleBuildsWhere` (lib/access/app-access.ts)
 * reads too, so the pages and the install links apply the same rules.
 */
async function lookUp(
  userId: string,
  userVersion: number,
  sessionId: string | null,
  buildId: string,
): Promise<LinkState> {
  if (!isUuid(userId) || (sessionId !== null && !isUuid(sessionId))) return { kind: "revoked" };
  const wantedBuild = isUuid(buildId) ? buildId : null;
  const rows = await prisma().$queryRaw<LinkRow[]>`
    SELECT u.id::text AS user_id, u.email, u.name AS user_name, u.role::text AS role, u.session_version,
           b.id::text AS build_id, b.app_id::text AS app_id, b.bundle_id, b.version, b.build_number,
           b.name AS build_name, b.size_bytes, b.sha256, b.storage_key, b.created_at
    FROM users u
    LEFT JOIN builds b ON b.id = ${wantedBuild}::uuid AND EXISTS (
      SELECT 1 FROM ferry_visible_builds v WHERE v.user_id = u.id AND v.build_id = b.id)
    WHERE u.id = ${userId}::uuid AND u.disabled_at IS NULL AND u.session_version = ${userVersion}
      AND NOT EXISTS (SELECT 1 FROM revoked_sessions r WHERE r.sid = ${sessionId}::uuid)`;
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
