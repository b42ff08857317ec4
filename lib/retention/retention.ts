import { type Actor, SYSTEM_ACTOR } from "@/lib/access/actor";
import { authorize } from "@/lib/access/policy";
import { findAppById } from "@/lib/apps/data";
import { removeBuildRows } from "@/lib/builds/mutations";
import { prisma } from "@/lib/db/client";
import { AppError, parseInput } from "@/lib/errors";
import { keepPerChannelSchema, retentionPreviewSchema } from "@/lib/retention/schema";

/**
 * Retention: an app may keep only the newest N builds of each channel ("newest"
 * = last added to the channel). A build goes only when it is outside the newest
 * N of every channel it is in, so with N ≥ 1 no channel ever loses its newest
 * build, and a build promoted to production stays while production keeps it.
 */

export type RetentionCandidate = {
  id: string;
  appId: string;
  version: string;
  buildNumber: string;
  sha256: string;
  sizeBytes: number;
  createdAt: string;
};

// Serialises retention runs across instances; the sweep skips a round rather than wait.
const LOCK = "hashtext('ferry:retention')";

/** The builds retention would delete now for `appId` keeping `keep` per channel (its setting when omitted). */
export async function previewRetention(appId: string, keep?: number | null): Promise<RetentionCandidate[]> {
  const app = await prisma().app.findUnique({ where: { id: appId }, select: { retainPerChannel: true } });
  const n = keep === undefined ? app?.retainPerChannel : keep;
  if (!app || n === null || n === undefined) return [];
  // Callers validate; a value that slipped past would delete the wrong builds, so it is refused here too.
  parseInput(keepPerChannelSchema, n);
  const rows = await prisma().$queryRaw<{ build_id: string }[]>`
    SELECT ranked.build_id::text AS build_id FROM (
      SELECT bc.build_id,
             row_number() OVER (PARTITION BY bc.channel_id ORDER BY bc.added_at DESC, bc.build_id DESC) AS rank
      FROM build_channels bc JOIN channels c ON c.id = bc.channel_id
      WHERE c.app_id = ${appId}::uuid
    ) ranked
    GROUP BY ranked.build_id
    HAVING min(ranked.rank) > ${n}`;
  if (rows.length === 0) return [];
  const builds = await prisma().build.findMany({
    where: { id: { in: rows.map((r) => r.build_id) } },
    orderBy: { createdAt: "asc" },
    select: { id: true, appId: true, version: true, buildNumber: true, sha256: true, sizeBytes: true, createdAt: true },
  });
  return builds.map((b) => ({ ...b, sizeBytes: Number(b.sizeBytes), createdAt: b.createdAt.toISOString() }));
}

/** Admin preview of what applying the app's retention (or `keep`) would delete. */
export async function previewRetentionFor(
  input: { appId: string; keep?: number | null },
  by: Actor,
): Promise<RetentionCandidate[]> {
  authorize(by, "app.manage");
  const { appId, keep } = parseInput(retentionPreviewSchema, input);
  if (!(await findAppById(appId))) throw new AppError("not_found", "This app no longer exists: reload the page.");
  return previewRetention(appId, keep);
}

/**
 * Applies retention to every app that has it (or one app), under an advisory
 * lock so two instances never run it at once: returns null when another holds
 * it. Deletions are audited as Ferry's own (`reason: "retention"`).
 */
export async function applyRetention(options: { appId?: string; by?: Actor } = {}): Promise<number | null> {
  const by = options.by ?? SYSTEM_ACTOR;
  authorize(by, "app.manage");
  return prisma().$transaction(
    async (tx) => {
      const [lock] = await tx.$queryRawUnsafe<{ ok: boolean }[]>(`SELECT pg_try_advisory_xact_lock(${LOCK}) AS ok`);
      if (!lock?.ok) return null;
      const apps = await tx.app.findMany({
        where: { retainPerChannel: { not: null }, ...(options.appId ? { id: options.appId } : {}) },
        select: { id: true },
      });
      let removed = 0;
      for (const app of apps) {
        // Rows are deleted outside this transaction (each removal takes the storage lock itself);
        // the advisory lock is held until this transaction ends, which is after them.
        removed += await removeBuildRows(await previewRetention(app.id), by, "retention");
      }
      return removed;
    },
    { maxWait: 30_000, timeout: 10 * 60_000 },
  );
}
