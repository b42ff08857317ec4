import { prisma } from "@/lib/db/client";

/** Install analytics from the audit trail: counts per build and the install funnel (admins). */

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
