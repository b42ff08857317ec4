import { PROVISION_JOB_KIND } from "@/lib/app-store-connect/schema";
import { SCHEDULED_JOBS } from "@/lib/jobs/schedule";
import type { JobHandler } from "@/lib/jobs/worker";
import { RESIGN_JOB_KIND } from "@/lib/signing/resign/schema";

/**
 * Every kind of job and its handler: what the workers started by scripts/start.ts run.
 * Handlers load their code on first use: the re-signer (pkijs, the zip and Mach-O code)
 * would otherwise sit in every server's memory from the start (tests/server-memory.test.ts).
 */
export const JOB_HANDLERS: Readonly<Record<string, JobHandler>> = {
  [RESIGN_JOB_KIND]: async (job) => (await import("@/lib/signing/resign/resign-build")).runResignJob(job),
  [PROVISION_JOB_KIND]: async (job) => (await import("@/lib/app-store-connect/provision-job")).runProvisionJob(job),
};

const sweep: JobHandler = async (job) =>
  (await import("@/lib/boot/periodic-sweeps")).runSweep(job, (line) => console.log(`[ferry] ${line}`));

/** The scheduled sweeps (lib/jobs/schedule.ts). */
export const SWEEP_HANDLERS: Readonly<Record<string, JobHandler>> = Object.fromEntries(
  SCHEDULED_JOBS.map(({ kind }) => [kind, sweep]),
);
