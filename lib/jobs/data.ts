import type { Actor } from "@/lib/access/actor";
import { authorize } from "@/lib/access/policy";
import { env } from "@/lib/config/env";
import { AppError } from "@/lib/errors";
import { findJob, type Job, type JobError, type JobStatus } from "@/lib/jobs/jobs";

/** A job as the API shows it (GET /api/v1/jobs/{id}): never its payload. */
export type JobDto = {
  id: string;
  kind: string;
  status: JobStatus;
  url: string;
  attempts: number;
  createdAt: string;
  finishedAt: string | null;
  /** The build a re-sign job made. */
  buildId?: string;
  error?: JobError;
};

export function jobUrl(id: string): string {
  return `${env().publicUrl}/api/v1/jobs/${id}`;
}

export function toJobDto(job: Job): JobDto {
  const buildId = typeof job.result?.buildId === "string" ? job.result.buildId : undefined;
  return {
    id: job.id,
    kind: job.kind,
    status: job.status,
    url: jobUrl(job.id),
    attempts: job.attempts,
    createdAt: job.createdAt.toISOString(),
    finishedAt: job.finishedAt?.toISOString() ?? null,
    ...(buildId ? { buildId } : {}),
    // A retry in waiting shows why the last attempt failed, too.
    ...(job.error ? { error: job.error } : {}),
  };
}

/** Admins: a job by id (jobs are admins' work: re-signing). */
export async function getJob(by: Actor, id: string): Promise<JobDto> {
  authorize(by, "signing.manage");
  const job = await findJob(id);
  if (!job) throw new AppError("not_found", "No such job.");
  return toJobDto(job);
}
