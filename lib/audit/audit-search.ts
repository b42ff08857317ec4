import { authorize, type Who } from "@/lib/access/policy";
import { prisma } from "@/lib/db/client";
import { isUuid } from "@/lib/db/ids";
import { Prisma } from "@/lib/generated/prisma/client";
import { findUserByEmail } from "@/lib/users/data";

/** Reading the audit trail for the admin's audit page. */

export type AuditEventDto = {
  id: string;
  at: string;
  action: string;
  actorEmail: string | null;
  appId: string | null;
  appName: string | null;
  buildId: string | null;
  buildLabel: string | null;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  userAgent: string | null;
  details: Record<string, unknown>;
};

/**
 * The text an audit search matches, as one expression: the GIN trigram index
 * audit_events_search_trgm_idx (migration 20261207150000_scale) is on exactly
 * this, so `ILIKE '%…%'` over it is answered by the index, not a scan.
 */
export const AUDIT_SEARCH_TEXT_SQL = `(coalesce(actor_email, '') || ' ' || action || ' ' || coalesce(ip, '') || ' ' || coalesce(user_agent, '') || ' ' || coalesce(target_id, ''))`;
const SEARCH_TEXT = Prisma.raw(AUDIT_SEARCH_TEXT_SQL);

type AuditRow = {
  id: bigint;
  at: Date;
  action: string;
  actor_email: string | null;
  app_id: string | null;
  build_id: string | null;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  user_agent: string | null;
  details: Prisma.JsonValue;
};

/** `value` as a literal inside LIKE's pattern. */
function likeLiteral(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * A query that is an IP address or the start of one (`10.42.17.`, `fd00:12:`;
 * two dots or two colons at least, so `17.5` still finds `iOS/17.5`):
 * its digits' trigrams (`10.`, `.1`…) are in nearly every row, so the
 * trigram index would hand millions of candidates to the recheck (≈ 70 s at
 * 20 million events, docs/queries.md). It is matched as a prefix of the IP
 * instead, through the btree audit_events_ip_prefix_idx.
 */
const IP_PREFIX = /^(\d{1,3}\.\d{1,3}\.[\d.]*|[0-9a-f]{0,4}:[0-9a-f]{0,4}:[0-9a-f:]*)$/i;

/**
 * Newest first; `query` matches actor, action, IP, user agent or target
 * (case-insensitive, through the trigram index; an IP or its start matches
 * the IP by prefix); `person`, instead of the
 * text, finds the events done by or to that user (by id, and sign-in
 * failures naming their email: indexes on actor_id and target_id);
 * `appId` an app's events (index on app_id); `before` pages by id. Admins only (403).
 */
export async function searchAudit(
  who: Who,
  filter: {
    query?: string;
    action?: string;
    buildId?: string;
    appId?: string;
    person?: { id: string; email: string };
    before?: bigint;
    limit?: number;
  },
): Promise<AuditEventDto[]> {
  authorize(who, "audit.read");
  const q = filter.query?.trim();
  const conditions: Prisma.Sql[] = [];
  if (filter.action) conditions.push(Prisma.sql`action = ${filter.action}`);
  if (filter.buildId) {
    if (!isUuid(filter.buildId)) return [];
    conditions.push(Prisma.sql`build_id = ${filter.buildId}::uuid`);
  }
  if (filter.appId) {
    if (!isUuid(filter.appId)) return [];
    conditions.push(Prisma.sql`app_id = ${filter.appId}::uuid`);
  }
  if (filter.before) conditions.push(Prisma.sql`id < ${filter.before}`);
  if (filter.person) {
    // By id and by email as a target (sign-in failures), each through its own btree index: a
    // trigram search for an email would read the huge posting lists of "@ex", "com"… (docs/queries.md).
    const { id, email } = filter.person;
    conditions.push(Prisma.sql`(actor_id = ${id}::uuid OR target_id = ${id} OR target_id = ${email})`);
  } else if (q && IP_PREFIX.test(q)) {
    conditions.push(Prisma.sql`ip LIKE ${`${likeLiteral(q.toLowerCase())}%`}`);
  } else if (q) {
    conditions.push(Prisma.sql`${SEARCH_TEXT} ILIKE ${`%${likeLiteral(q)}%`}`);
  }
  const where = conditions.length ? Prisma.join(conditions, " AND ") : Prisma.sql`TRUE`;
  const rows = await prisma().$queryRaw<AuditRow[]>`
    SELECT id, at, action, actor_email, app_id::text AS app_id, build_id::text AS build_id,
           target_type, target_id, ip, user_agent, details
    FROM audit_events
    WHERE ${where}
    ORDER BY id DESC
    LIMIT ${Math.min(filter.limit ?? 100, 500)}`;
  const appIds = [...new Set(rows.map((r) => r.app_id).filter((v): v is string => v !== null))];
  const buildIds = [...new Set(rows.map((r) => r.build_id).filter((v): v is string => v !== null))];
  const [apps, builds] = await Promise.all([
    prisma().app.findMany({ where: { id: { in: appIds } }, select: { id: true, name: true } }),
    prisma().build.findMany({
      where: { id: { in: buildIds } },
      select: { id: true, version: true, buildNumber: true },
    }),
  ]);
  const appName = new Map(apps.map((a) => [a.id, a.name]));
  const buildLabel = new Map(builds.map((b) => [b.id, `${b.version} (${b.buildNumber})`]));
  return rows.map((r) => ({
    id: r.id.toString(),
    at: r.at.toISOString(),
    action: r.action,
    actorEmail: r.actor_email,
    appId: r.app_id,
    appName: r.app_id ? (appName.get(r.app_id) ?? null) : null,
    buildId: r.build_id,
    buildLabel: r.build_id ? (buildLabel.get(r.build_id) ?? null) : null,
    targetType: r.target_type,
    targetId: r.target_id,
    ip: r.ip,
    userAgent: r.user_agent,
    details: (r.details ?? {}) as Record<string, unknown>,
  }));
}

/**
 * The audit page's search: searchAudit, where a query that is a user's email
 * finds what that user did and what was done to them (admin changes record
 * the user's id as the target, which a text search for the email cannot match).
 * Newest first, at most `limit`, paged by `before` like searchAudit.
 */
export async function searchAuditForAdmin(
  who: Who,
  filter: {
    query?: string;
    action?: string;
    appId?: string;
    before?: bigint;
    limit: number;
  },
): Promise<AuditEventDto[]> {
  authorize(who, "audit.read");
  const query = filter.query?.trim();
  const user = query?.includes("@") ? await findUserByEmail(query) : null;
  return searchAudit(who, { ...filter, query, person: user ?? undefined });
}

/**
 * What `userId` deleted as build `buildId` within the last `withinMs`: the
 * confirmation shown after deleting (lib/builds/actions.ts redirects to it).
 * Only the person's own deletion, so a guessed id reveals nothing.
 */
export async function ownRecentBuildDeletion(
  userId: string,
  buildId: string,
  withinMs = 15 * 60_000,
): Promise<{ name: string | null; version: string; buildNumber: string; channels: string[]; at: string } | null> {
  const row = await prisma().auditEvent.findFirst({
    where: { action: "build.delete", buildId, actorId: userId, at: { gte: new Date(Date.now() - withinMs) } },
    orderBy: { at: "desc" },
    select: { at: true, details: true },
  });
  if (!row) return null;
  const details = (row.details ?? {}) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === "string" ? v : "");
  return {
    name: typeof details.name === "string" ? details.name : null,
    version: text(details.version),
    buildNumber: text(details.buildNumber),
    channels: Array.isArray(details.channels) ? details.channels.filter((c): c is string => typeof c === "string") : [],
    at: row.at.toISOString(),
  };
}
