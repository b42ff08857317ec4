import type { Actor } from "@/lib/access/actor";
import { authorize, type Who } from "@/lib/access/policy";
import type { AuditAction } from "@/lib/audit/audit-actions";
import { prisma } from "@/lib/db/client";
import type { Prisma } from "@/lib/generated/prisma/client";

/**
 * The audit trail: every install-page view, manifest fetch and .ipa download,
 * every sign-in failure, every admin change. Writing never fails the request
 * it records (a lost row is logged), but it is awaited so tests and admins see
 * it at once. The install hot paths queue theirs instead (./audit-queue.ts).
 */
export type AuditContext = { ip: string | null; userAgent: string | null };

export type AuditInput = {
  action: AuditAction;
  actor?: { id: string; email: string } | null;
  appId?: string | null;
  buildId?: string | null;
  target?: { type: string; id: string } | null;
  context?: AuditContext | null;
  details?: Prisma.InputJsonValue;
};

/**
 * Records a change made by `by` (the user and their request, or the CLI):
 * what every mutation calls after it changed something.
 */
export async function recordChange(
  by: Actor,
  input: Omit<AuditInput, "actor" | "context" | "details"> & { details?: Record<string, Prisma.InputJsonValue | null> },
): Promise<void> {
  await recordAudit({
    ...input,
    actor: by.kind === "user" ? by.user : null,
    context: by.kind === "user" ? by.context : null,
    details: by.kind === "user" ? (input.details ?? {}) : { ...input.details, via: by.kind },
  });
}

export async function recordAudit(input: AuditInput): Promise<void> {
  try {
    await prisma().auditEvent.create({ data: auditRow(input) });
  } catch (error) {
    console.error("[ferry] could not write an audit event", input.action, error);
  }
}

/** The row for an event (also written in batches by ./audit-queue.ts). */
export function auditRow(input: AuditInput) {
  return {
    action: input.action,
    actorId: input.actor?.id ?? null,
    actorEmail: input.actor?.email ?? null,
    appId: input.appId ?? null,
    buildId: input.buildId ?? null,
    targetType: input.target?.type ?? null,
    targetId: input.target?.id ?? null,
    ip: input.context?.ip?.slice(0, 100) ?? null,
    userAgent: input.context?.userAgent?.slice(0, 500) ?? null,
    details: input.details ?? {},
  } satisfies Prisma.AuditEventCreateManyInput;
}

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

export type InstallCount = { manifests: number; downloads: number; users: number };

/** Install counts per build: manifest fetches and .ipa downloads (distinct users too). */
export async function installCounts(buildIds: string[]): Promise<Map<string, InstallCount>> {
  const result = new Map<string, InstallCount>();
  if (buildIds.length === 0) return result;
  const rows = await prisma().$queryRaw<{ build_id: string; manifests: bigint; downloads: bigint; users: bigint }[]>`
    SELECT build_id::text AS build_id,
           count(*) FILTER (WHERE action = 'manifest.fetch') AS manifests,
           count(*) FILTER (WHERE action = 'ipa.download') AS downloads,
           count(DISTINCT actor_id) FILTER (WHERE action = 'ipa.download') AS users
    FROM audit_events
    WHERE action IN ('manifest.fetch', 'ipa.download') AND build_id = ANY(${buildIds}::uuid[])
    GROUP BY build_id`;
  for (const row of rows) {
    result.set(row.build_id, {
      manifests: Number(row.manifests),
      downloads: Number(row.downloads),
      users: Number(row.users),
    });
  }
  return result;
}

export type FunnelCounts = { views: number; manifests: number; downloads: number; completed: number };
export type InstallFunnel = FunnelCounts & { users: (FunnelCounts & { email: string; lastAt: string })[] };

/**
 * Where installs of one build stop: install-page views → manifest fetches
 * (iOS asked to install) → .ipa downloads started → completed (every byte
 * sent), in total and per user (most recent first). Admins only.
 */
export async function installFunnel(buildId: string): Promise<InstallFunnel> {
  const rows = await prisma().$queryRaw<
    { email: string; views: bigint; manifests: bigint; downloads: bigint; completed: bigint; last_at: Date }[]
  >`
    SELECT coalesce(actor_email, '(unknown)') AS email,
           count(*) FILTER (WHERE action = 'install_page.view') AS views,
           count(*) FILTER (WHERE action = 'manifest.fetch') AS manifests,
           count(*) FILTER (WHERE action = 'ipa.download') AS downloads,
           count(*) FILTER (WHERE action = 'ipa.download_complete') AS completed,
           max(at) AS last_at
    FROM audit_events
    WHERE build_id = ${buildId}::uuid
      AND action IN ('install_page.view', 'manifest.fetch', 'ipa.download', 'ipa.download_complete')
    GROUP BY 1
    ORDER BY last_at DESC`;
  const users = rows.map((r) => ({
    email: r.email,
    views: Number(r.views),
    manifests: Number(r.manifests),
    downloads: Number(r.downloads),
    completed: Number(r.completed),
    lastAt: r.last_at.toISOString(),
  }));
  const sum = (key: keyof FunnelCounts) => users.reduce((n, u) => n + u[key], 0);
  return {
    views: sum("views"),
    manifests: sum("manifests"),
    downloads: sum("downloads"),
    completed: sum("completed"),
    users,
  };
}

/**
 * Failed password sign-ins in the window: for this account from this client
 * address, and from this address for any account. The rate limiter's input
 * (lib/auth/auth-options.ts); an account's failures from other addresses do not
 * count, so nobody elsewhere can lock its owner out.
 */
export async function recentSignInFailures(
  email: string,
  ip: string | null,
  sinceMs: number,
  now = new Date(),
): Promise<{ byPair: number; byClient: number }> {
  const since = new Date(now.getTime() - sinceMs);
  // Password failures only (target type "email"): refused SSO sign-ins don't lock out password sign-in.
  const failures = { action: "sign_in.failure", at: { gte: since }, targetType: "email", ip };
  const [byPair, byClient] = await Promise.all([
    prisma().auditEvent.count({ where: { ...failures, targetId: email } }),
    ip ? prisma().auditEvent.count({ where: failures }) : Promise.resolve(0),
  ]);
  return { byPair, byClient };
}
