import type { AuditAction } from "@/lib/audit/audit-actions";
import { prisma } from "@/lib/db/client";

/**
 * Install analytics from the audit trail: counts per build and the install
 * funnel (admins). Old audit rows are deleted by the retention sweep
 * (lib/retention/history-pruning.ts) only after their day's install events are
 * kept in audit_daily_counts; every query here reads those totals for the days
 * before audit_rollup.rolled_before and the raw rows from that instant on, in
 * one statement (one snapshot), so a number never changes when rows go.
 */

/** The audit actions install counts and funnels are made of: the ones kept as daily totals. */
export const INSTALL_ACTIONS = [
  "install_page.view",
  "manifest.fetch",
  "ipa.download",
  "ipa.download_complete",
] as const satisfies readonly AuditAction[];

export type InstallCount = { manifests: number; downloads: number; users: number };

/** Install counts per build: manifest fetches and .ipa downloads (distinct users too). */
export async function installCounts(buildIds: string[]): Promise<Map<string, InstallCount>> {
  const result = new Map<string, InstallCount>();
  if (buildIds.length === 0) return result;
  const rows = await prisma().$queryRaw<{ build_id: string; manifests: bigint; downloads: bigint; users: bigint }[]>`
    WITH rollup AS (SELECT rolled_before FROM audit_rollup WHERE id = 1),
    events AS (
      SELECT e.build_id, e.action, e.actor_id::text AS actor_key, 1::bigint AS n
      FROM audit_events e, rollup
      WHERE e.action IN ('manifest.fetch', 'ipa.download') AND e.build_id = ANY(${buildIds}::uuid[])
        -- IS TRUE: a filter on the build's rows, not an index condition. The planner cannot know
        -- rolled_before when planning and ANDed the whole audit_events_at_idx range into a bitmap (1.4 s at 20M).
        AND (e.at >= rollup.rolled_before) IS TRUE
      UNION ALL
      SELECT d.build_id, d.action, nullif(d.actor_key, ''), d.count::bigint
      FROM audit_daily_counts d, rollup
      WHERE d.action IN ('manifest.fetch', 'ipa.download') AND d.build_id = ANY(${buildIds}::uuid[])
        AND d.day < rollup.rolled_before
    )
    SELECT build_id::text AS build_id,
           coalesce(sum(n) FILTER (WHERE action = 'manifest.fetch'), 0)::bigint AS manifests,
           coalesce(sum(n) FILTER (WHERE action = 'ipa.download'), 0)::bigint AS downloads,
           count(DISTINCT actor_key) FILTER (WHERE action = 'ipa.download') AS users
    FROM events
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
export type InstallFunnel = FunnelCounts & {
  /** The FUNNEL_PEOPLE people seen most recently. */
  users: (FunnelCounts & { email: string; lastAt: string })[];
  /** How many people in all (a build installed company-wide has thousands: the list stops at FUNNEL_PEOPLE). */
  people: number;
};

/** People listed in a funnel: the totals count everyone, the list is bounded. */
export const FUNNEL_PEOPLE = 100;

/**
 * Where installs of one build stop: install-page views → manifest fetches
 * (iOS asked to install) → .ipa downloads started → completed (every byte
 * sent), in total and per user (the FUNNEL_PEOPLE most recent). Admins only.
 */
export async function installFunnel(buildId: string): Promise<InstallFunnel> {
  const rows = await prisma().$queryRaw<
    {
      email: string;
      views: bigint;
      manifests: bigint;
      downloads: bigint;
      completed: bigint;
      last_at: Date;
      people: bigint;
      all_views: bigint;
      all_manifests: bigint;
      all_downloads: bigint;
      all_completed: bigint;
    }[]
  >`
    WITH rollup AS (SELECT rolled_before FROM audit_rollup WHERE id = 1),
    events AS (
      SELECT coalesce(e.actor_email, '(unknown)') AS email, e.action, 1::bigint AS n, e.at
      FROM audit_events e, rollup
      WHERE e.build_id = ${buildId}::uuid AND e.action = ANY(${INSTALL_ACTIONS}::text[])
        -- IS TRUE: a filter on the build's rows, not an index condition. The planner cannot know
        -- rolled_before when planning and ANDed the whole audit_events_at_idx range into a bitmap (1.4 s at 20M).
        AND (e.at >= rollup.rolled_before) IS TRUE
      UNION ALL
      SELECT d.actor_email, d.action, d.count::bigint, d.last_at
      FROM audit_daily_counts d, rollup
      WHERE d.build_id = ${buildId}::uuid AND d.day < rollup.rolled_before
    ),
    per_person AS (
      SELECT email,
             coalesce(sum(n) FILTER (WHERE action = 'install_page.view'), 0)::bigint AS views,
             coalesce(sum(n) FILTER (WHERE action = 'manifest.fetch'), 0)::bigint AS manifests,
             coalesce(sum(n) FILTER (WHERE action = 'ipa.download'), 0)::bigint AS downloads,
             coalesce(sum(n) FILTER (WHERE action = 'ipa.download_complete'), 0)::bigint AS completed,
             max(at) AS last_at
      FROM events
      GROUP BY 1
    )
    -- The totals over everyone (window sums, taken before the LIMIT), the newest people listed.
    SELECT *, count(*) OVER () AS people,
           sum(views) OVER () AS all_views, sum(manifests) OVER () AS all_manifests,
           sum(downloads) OVER () AS all_downloads, sum(completed) OVER () AS all_completed
    FROM per_person
    ORDER BY last_at DESC, email
    LIMIT ${FUNNEL_PEOPLE}`;
  const users = rows.map((r) => ({
    email: r.email,
    views: Number(r.views),
    manifests: Number(r.manifests),
    downloads: Number(r.downloads),
    completed: Number(r.completed),
    lastAt: r.last_at.toISOString(),
  }));
  const first = rows[0];
  return {
    views: Number(first?.all_views ?? 0),
    manifests: Number(first?.all_manifests ?? 0),
    downloads: Number(first?.all_downloads ?? 0),
    completed: Number(first?.all_completed ?? 0),
    users,
    people: Number(first?.people ?? 0),
  };
}
