import { authorize, type Who } from "@/lib/access/policy";
import { prisma } from "@/lib/db/client";
import type { Prisma } from "@/lib/generated/prisma/client";
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

/** Newest first; `query` matches actor, action, IP, user agent or target; `before` pages by id. Admins only (403). */
export async function searchAudit(
  who: Who,
  filter: {
    query?: string;
    action?: string;
    buildId?: string;
    before?: bigint;
    limit?: number;
  },
): Promise<AuditEventDto[]> {
  authorize(who, "audit.read");
  const q = filter.query?.trim();
  const where: Prisma.AuditEventWhereInput = {
    ...(filter.action ? { action: filter.action } : {}),
    ...(filter.buildId ? { buildId: filter.buildId } : {}),
    ...(filter.before ? { id: { lt: filter.before } } : {}),
    ...(q
      ? {
          OR: [
            { actorEmail: { contains: q, mode: "insensitive" } },
            { action: { contains: q, mode: "insensitive" } },
            { ip: { contains: q } },
            { userAgent: { contains: q, mode: "insensitive" } },
            { targetId: { contains: q } },
          ],
        }
      : {}),
  };
  const rows = await prisma().auditEvent.findMany({
    where,
    orderBy: { id: "desc" },
    take: Math.min(filter.limit ?? 100, 500),
  });
  const appIds = [...new Set(rows.map((r) => r.appId).filter((v): v is string => v !== null))];
  const buildIds = [...new Set(rows.map((r) => r.buildId).filter((v): v is string => v !== null))];
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
    actorEmail: r.actorEmail,
    appId: r.appId,
    appName: r.appId ? (appName.get(r.appId) ?? null) : null,
    buildId: r.buildId,
    buildLabel: r.buildId ? (buildLabel.get(r.buildId) ?? null) : null,
    targetType: r.targetType,
    targetId: r.targetId,
    ip: r.ip,
    userAgent: r.userAgent,
    details: (r.details ?? {}) as Record<string, unknown>,
  }));
}

/**
 * The audit page's search: searchAudit, plus, when the query is a user's
 * email, the events whose target is that user (admin changes record the
 * user's id as the target, which a text search for the email cannot match).
 * Newest first, at most `limit`, paged by `before` like searchAudit.
 */
export async function searchAuditForAdmin(
  who: Who,
  filter: {
    query?: string;
    action?: string;
    before?: bigint;
    limit: number;
  },
): Promise<AuditEventDto[]> {
  authorize(who, "audit.read");
  const query = filter.query?.trim();
  const user = query?.includes("@") ? await findUserByEmail(query) : null;
  const [byText, byTarget] = await Promise.all([
    searchAudit(who, { ...filter, query }),
    user ? searchAudit(who, { ...filter, query: user.id }) : Promise.resolve([]),
  ]);
  if (byTarget.length === 0) return byText;
  const merged = new Map<string, AuditEventDto>();
  for (const event of [...byText, ...byTarget]) merged.set(event.id, event);
  return [...merged.values()]
    .sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : BigInt(b.id) < BigInt(a.id) ? -1 : 0))
    .slice(0, filter.limit);
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
