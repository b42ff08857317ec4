import { env } from "@/lib/config/env";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { Job } from "@/lib/jobs/jobs";
import { pruneHistory } from "@/lib/retention/history-pruning";
import { applyRetention } from "@/lib/retention/retention";
import { sweepOrphanBuildFiles } from "@/lib/storage/orphan-files";
import { buildStorage } from "@/lib/storage/storage";

/**
 * The clean-ups that must not wait for a restart, each a scheduled job
 * (lib/jobs/schedule.ts: queued once per period across instances, claimed
 * once, retried with backoff, its result or error on /admin/jobs):
 * - `sweep.files`: stored files no build row references (after a grace
 *   period, under the storage lock);
 * - `sweep.history`: old history in batches (lib/retention/history-pruning.ts:
 *   audit events past AUDIT_RETENTION once their install counts are kept as
 *   daily totals, delivered webhook deliveries, expired enrollment challenges
 *   and session revocations, finished jobs);
 * - `sweep.retention`: builds outside their app's retention (under its own advisory lock).
 * Loaded on a sweep's first run only (lib/jobs/handlers.ts).
 *
 * What lives on one instance's own disk is not shared work: each instance's
 * DATA_DIR (its own in a multi-instance deployment, docs/deployment.md) is
 * cleaned by that instance (lib/boot/local-sweeps.ts).
 */

export async function runSweep(job: Job, log: (line: string) => void = () => {}): Promise<Prisma.InputJsonObject> {
  const config = env();
  if (job.kind === "sweep.files") {
    const orphanBuilds = await sweepOrphanBuildFiles(buildStorage());
    if (orphanBuilds) log(`Removed the files of ${orphanBuilds} build(s) no longer in the database`);
    // null: another instance holds the storage lock and is sweeping now.
    return orphanBuilds === null ? { orphanBuilds: 0, skipped: true } : { orphanBuilds };
  }
  if (job.kind === "sweep.history") {
    const pruned = await pruneHistory({ retentionDays: config.auditRetentionDays });
    if (pruned.enrollments) log(`Removed ${pruned.enrollments} expired device enrollment challenge(s)`);
    if (pruned.auditEvents || pruned.webhookDeliveries || pruned.jobs) {
      log(
        `Removed ${pruned.auditEvents} audit event(s) past AUDIT_RETENTION, ${pruned.webhookDeliveries} delivered webhook deliveries and ${pruned.jobs} finished job(s) older than 30 days`,
      );
    }
    return { ...pruned };
  }
  if (job.kind === "sweep.retention") {
    const builds = await applyRetention();
    if (builds) log(`Retention removed ${builds} old build(s)`);
    // null: another instance holds the retention lock and is applying it now.
    return builds === null ? { builds: 0, skipped: true } : { builds };
  }
  throw new Error(`no sweep of kind ${job.kind}`);
}
