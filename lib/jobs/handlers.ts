import type { JobHandler } from "@/lib/jobs/worker";
import { runResignJob } from "@/lib/signing/resign/resign-build";
import { RESIGN_JOB_KIND } from "@/lib/signing/resign/schema";

/** Every kind of job and its handler: what the worker started by scripts/start.ts runs. */
export const JOB_HANDLERS: Readonly<Record<string, JobHandler>> = {
  [RESIGN_JOB_KIND]: async (job) => runResignJob(job),
};
