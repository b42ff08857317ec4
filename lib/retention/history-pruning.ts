import { INSTALL_ACTIONS } from "@/lib/audit/install-analytics";
import { deleteInBatches } from "@/lib/db/batched-delete";
import { prisma } from "@/lib/db/client";
import { pruneExpiredEnrollments } from "@/lib/devices/enrollment-sweep";

/**
 * Bounded growth: the rows Ferry writes on every install and delivery do not
 * pile up forever. Audit events older than AUDIT_RETENTION go, but only after
 * their day's install events are kept as daily totals (audit_daily_counts),
 * so install counts and funnels never change (lib/audit/install-analytics.ts
 * reads both); delivered webhook deliveries go after 30 days; expired
 * enrollment challenges and session revocations once they expire; finished
 * jobs after 30 days (so the jobs table is bounded too). Every
 * deletion is in small batches (lib/db/batched-delete.ts): no long lock, and
 * several instances may sweep at once (the roll-up is serialised on its
 * row, deletions skip rows another holds).
 */

const DAY_MS = 86_400_000;
/** Delivered webhook deliveries are kept this long (the admin's delivery log). */
export const DELIVERED_WEBHOOK_DAYS = 30;
/** Finished jobs (succeeded or failed, sweeps included) are kept this long (the admin's jobs page). */
export const FINISHED_JOB_DAYS = 30;

export type PruneLimits = {
  batchSize?: number;
  /** Statements per table per run: the rest waits for the next run. */
  maxBatches?: number;
  /** Days rolled up per run. */
  maxDays?: number;
  onBatch?: (table: string, deleted: number) => void;
};

export type PruneResult = {
  daysRolledUp: number;
  auditEvents: number;
  webhookDeliveries: number;
  enrollments: number;
  revokedSessions: number;
  jobs: number;
};

function utcMidnight(at: Date): Date {
  return new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS);
}

/**
 * Keeps the install events of every whole UTC day before `before` (a UTC
 * midnight) as daily totals, one day per short transaction, oldest first,
 * skipping days without events; at most `maxDays` days. Returns how many.
 */
export async function rollUpAuditDays(before: Date, maxDays = 400): Promise<number> {
  let days = 0;
  while (days < maxDays) {
    const rolled = await prisma().$transaction(
      async (tx) => {
        // The row lock serialises instances: a day is counted exactly once.
        const [state] = await tx.$queryRaw<{ rolled_before: Date }[]>`
          SELECT rolled_before FROM audit_rollup WHERE id = 1 FOR UPDATE`;
        if (!state || state.rolled_before >= before) return false;
        const [oldest] = await tx.$queryRaw<{ at: Date | null }[]>`
          SELECT min(at) AS at FROM audit_events WHERE at >= ${state.rolled_before} AND at < ${before}`;
        if (!oldest?.at) {
          await tx.$executeRaw`UPDATE audit_rollup SET rolled_before = ${before} WHERE id = 1`;
          return false;
        }
        const day = utcMidnight(oldest.at);
        const next = new Date(day.getTime() + DAY_MS);
        await tx.$executeRaw`
          INSERT INTO audit_daily_counts (day, build_id, action, actor_key, actor_email, count, last_at)
          SELECT ${day.toISOString().slice(0, 10)}::date, build_id, action, coalesce(actor_id::text, ''),
                 coalesce(actor_email, '(unknown)'), count(*), max(at)
          FROM audit_events
          WHERE at >= ${day} AND at < ${next} AND build_id IS NOT NULL AND action = ANY(${INSTALL_ACTIONS}::text[])
          GROUP BY build_id, action, coalesce(actor_id::text, ''), coalesce(actor_email, '(unknown)')`;
        await tx.$executeRaw`UPDATE audit_rollup SET rolled_before = ${next} WHERE id = 1`;
        return true;
      },
      { maxWait: 30_000, timeout: 120_000 },
    );
    if (!rolled) break;
    days++;
  }
  return days;
}

/** One run of the sweep (lib/boot/periodic-sweeps.ts). `retentionDays` null: audit events are kept forever. */
export async function pruneHistory(options: {
  retentionDays: number | null;
  now?: Date;
  limits?: PruneLimits;
}): Promise<PruneResult> {
  const now = options.now ?? new Date();
  const limits = options.limits ?? {};
  const batches = (table: string) => ({
    batchSize: limits.batchSize,
    maxBatches: limits.maxBatches,
    onBatch: (deleted: number) => limits.onBatch?.(table, deleted),
  });
  let daysRolledUp = 0;
  let auditEvents = 0;
  if (options.retentionDays !== null) {
    daysRolledUp = await rollUpAuditDays(
      utcMidnight(new Date(now.getTime() - options.retentionDays * DAY_MS)),
      limits.maxDays,
    );
    // Only what the roll-up has counted: the bound is read by each statement, never past it.
    auditEvents = await deleteInBatches({
      table: "audit_events",
      key: "id",
      where: "at < (SELECT rolled_before FROM audit_rollup WHERE id = 1)",
      orderBy: "at",
      ...batches("audit_events"),
    });
  }
  const deliveredBefore = new Date(now.getTime() - DELIVERED_WEBHOOK_DAYS * DAY_MS).toISOString();
  const webhookDeliveries = await deleteInBatches({
    table: "webhook_deliveries",
    key: "id",
    where: `status = 'delivered' AND created_at < '${deliveredBefore}'::timestamptz`,
    orderBy: "created_at",
    ...batches("webhook_deliveries"),
  });
  const enrollments = await pruneExpiredEnrollments(now, batches("device_enrollments"));
  const revokedSessions = await deleteInBatches({
    table: "revoked_sessions",
    key: "sid",
    where: `expires_at < '${now.toISOString()}'::timestamptz`,
    ...batches("revoked_sessions"),
  });
  const finishedBefore = new Date(now.getTime() - FINISHED_JOB_DAYS * DAY_MS).toISOString();
  const jobs = await deleteInBatches({
    table: "jobs",
    key: "id",
    where: `status IN ('succeeded', 'failed') AND finished_at < '${finishedBefore}'::timestamptz`,
    orderBy: "finished_at",
    ...batches("jobs"),
  });
  return { daysRolledUp, auditEvents, webhookDeliveries, enrollments, revokedSessions, jobs };
}
