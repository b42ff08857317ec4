import { randomUUID } from "node:crypto";
import os from "node:os";
import type { Prisma } from "@/lib/generated/prisma/client";
import {
  type ClaimedJob,
  claimJobs,
  completeJob,
  DEFAULT_LEASE_SECONDS,
  failJob,
  type Job,
  renewLease,
} from "@/lib/jobs/jobs";
import { createClaimLoop } from "@/lib/jobs/lease";
import { runEvery } from "@/lib/jobs/run-every";

/**
 * The loop that runs jobs in this instance: claims due jobs of the kinds it
 * has handlers for (at most `concurrency` at a time), renews each lease while
 * its handler runs, and records the outcome. Handlers get the job and return
 * its result (JSON); throwing records a failure (lib/jobs/jobs.ts decides
 * whether it is retried).
 */
export type JobHandler = (job: Job) => Promise<Prisma.InputJsonObject>;

export type JobWorker = {
  tick: () => Promise<number>;
  settled: () => Promise<void>;
  stop: () => void;
};

export function createJobWorker(options: {
  handlers: Readonly<Record<string, JobHandler>>;
  log: (line: string) => void;
  concurrency?: number;
  leaseSeconds?: number;
  retryBaseSeconds?: number;
  workerId?: string;
}): JobWorker {
  const concurrency = options.concurrency ?? 1;
  const leaseSeconds = options.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
  const workerId = options.workerId ?? `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const kinds = Object.keys(options.handlers);

  const run = async (job: ClaimedJob) => {
    const handler = options.handlers[job.kind];
    if (!handler) return;
    // Renewed at a third of the lease, so a slow disk never lets it lapse while the handler works.
    const heartbeat = setInterval(
      () => void renewLease(job, leaseSeconds).catch(() => {}),
      Math.max(1000, (leaseSeconds * 1000) / 3),
    );
    heartbeat.unref();
    try {
      const result = await handler(job);
      clearInterval(heartbeat);
      if (!(await completeJob(job, result))) {
        options.log(`warning: job ${job.id} (${job.kind}) finished after its lease was taken over`);
      }
    } catch (error) {
      clearInterval(heartbeat);
      const status = await failJob(job, error, { retryBaseSeconds: options.retryBaseSeconds }).catch(() => null);
      // Errors never carry key material (lib/signing keeps it out of every message), so the log may say why.
      const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      options.log(`job ${job.id} (${job.kind}) attempt ${job.attempts} failed (${status ?? "unrecorded"}): ${detail}`);
    }
  };

  const loop = createClaimLoop<ClaimedJob>({
    concurrency,
    claim: (room) =>
      kinds.length === 0 ? Promise.resolve([]) : claimJobs({ kinds, limit: room, leaseSeconds, workerId }),
    run,
  });
  return { tick: loop.tick, settled: loop.settled, stop: loop.stop };
}

/**
 * The loop scripts/start.ts starts: a tick every `everyMs` (default 1 s).
 * Returns a function that stops claiming; jobs in flight that do not finish
 * before the process exits are resumed elsewhere when their lease runs out.
 */
export function startJobWorker(options: {
  handlers: Readonly<Record<string, JobHandler>>;
  log: (line: string) => void;
  everyMs?: number;
  concurrency?: number;
}): () => void {
  const worker = createJobWorker(options);
  const stop = runEvery({
    tick: () => worker.tick(),
    what: "background jobs",
    log: options.log,
    everyMs: options.everyMs,
    immediately: true,
  });
  return () => {
    worker.stop();
    stop();
  };
}
