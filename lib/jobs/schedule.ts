import { enqueueJobUnlessQueued } from "@/lib/jobs/jobs";
import { runEvery } from "@/lib/jobs/run-every";

/**
 * Scheduled jobs: work that recurs (the periodic sweeps, lib/boot/periodic-sweeps.ts)
 * is queued as an ordinary job once per period. Every worker instance offers
 * the current period's job of each kind; a unique index on (kind,
 * payload.period) (migration 20261208100000_scheduled_jobs) keeps the first and
 * drops the rest, so each period's sweep is claimed and run once across
 * instances and restarts, retried with backoff, and shown with its result or
 * error on /admin/jobs like any job.
 */

export const SWEEP_EVERY_MS = 10 * 60 * 1000;

/** The recurring kinds and their period. */
export const SCHEDULED_JOBS: readonly { kind: string; everyMs: number }[] = [
  { kind: "sweep.files", everyMs: SWEEP_EVERY_MS },
  { kind: "sweep.history", everyMs: SWEEP_EVERY_MS },
  { kind: "sweep.retention", everyMs: SWEEP_EVERY_MS },
];

/** The period `at` falls in, as its start (the job's `payload.period`). */
export function periodKey(at: Date, everyMs: number): string {
  return new Date(Math.floor(at.getTime() / everyMs) * everyMs).toISOString();
}

/** Queues this period's job of each scheduled kind unless one is already there; returns how many were new. */
export async function enqueueScheduledJobs(
  now = new Date(),
  schedule: readonly { kind: string; everyMs: number }[] = SCHEDULED_JOBS,
): Promise<number> {
  let queued = 0;
  for (const { kind, everyMs } of schedule) {
    const job = await enqueueJobUnlessQueued({ kind, payload: { period: periodKey(now, everyMs) } });
    if (job) queued++;
  }
  return queued;
}

/** Offers the current period's jobs at once and every `checkMs` (default a minute); returns a stop function. */
export function startSchedule(options: { log: (line: string) => void; checkMs?: number }): () => void {
  return runEvery({
    tick: () => enqueueScheduledJobs(),
    what: "scheduling periodic jobs",
    log: options.log,
    everyMs: options.checkMs ?? 60_000,
    immediately: true,
  });
}
