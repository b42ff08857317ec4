import type { Actor } from "@/lib/access/actor";
import { authorize, type Who } from "@/lib/access/policy";
import { env } from "@/lib/config/env";
import { prisma } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { Prisma } from "@/lib/generated/prisma/client";
import { decodeTimeCursor, encodeTimeCursor, type Page, type PageQuery, toPage } from "@/lib/http/pagination";
import { findJob, type Job, type JobError, type JobStatus } from "@/lib/jobs/jobs";
import { SCHEDULED_JOBS } from "@/lib/jobs/schedule";

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

/**
 * One row of the admin's background work page: a job, a webhook delivery or
 * a notification email (the last two keep their own tables for their logs,
 * and are claimed by the same code, lib/jobs/lease.ts).
 */
export type BackgroundWorkRow = {
  source: "job" | "webhook" | "mail";
  id: string;
  kind: string;
  /** queued (a delivery or email being sent shows queued until its attempt is recorded), running or failed. */
  status: "queued" | "running" | "failed";
  attempts: number;
  maxAttempts: number;
  /** When it is tried next (queued only). */
  nextRunAt: Date | null;
  /** The stored error of the last failed attempt. */
  error: string | null;
  /** What it is about: a webhook's receiver, an email's recipient. */
  target: string | null;
  createdAt: Date;
};

/** Work not done yet or failed, of every kind, newest first (keyset-paged on created_at, id). */
export async function listBackgroundWorkPage(
  by: Who,
  query: PageQuery,
  limits: { webhookAttempts: number; mailAttempts: number },
): Promise<Page<BackgroundWorkRow>> {
  authorize(by, "admin.open");
  const key = query.cursor ? decodeTimeCursor(query.cursor) : null;
  const after = (alias: string) =>
    key
      ? Prisma.sql`AND (${Prisma.raw(alias)}.created_at, ${Prisma.raw(alias)}.id) < (${key.at}, ${key.id}::uuid)`
      : Prisma.empty;
  const each = query.limit + 1;
  const rows = await prisma().$queryRaw<BackgroundWorkRow[]>`
    SELECT * FROM (
      (SELECT 'job' AS source, j.id::text AS id, j.kind, j.status, j.attempts, j.max_attempts AS "maxAttempts",
              CASE WHEN j.status = 'queued' THEN j.run_at END AS "nextRunAt", j.error->>'message' AS error,
              NULL::text AS target, j.created_at AS "createdAt"
       FROM jobs j WHERE j.status IN ('queued', 'running', 'failed') ${after("j")}
       ORDER BY j.created_at DESC, j.id DESC LIMIT ${each}::int)
      UNION ALL
      (SELECT 'webhook', d.id::text, 'webhook ' || d.event, CASE WHEN d.status = 'pending' THEN 'queued' ELSE 'failed' END,
              d.attempts, ${limits.webhookAttempts}::int,
              CASE WHEN d.status = 'pending' THEN d.next_attempt_at END, d.last_error,
              substring(w.url from '^[^:/?#]+://[^/?#]*'), d.created_at
       FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
       WHERE d.status IN ('pending', 'failed') ${after("d")}
       ORDER BY d.created_at DESC, d.id DESC LIMIT ${each}::int)
      UNION ALL
      (SELECT 'mail', m.id::text, 'notification email', CASE WHEN m.status = 'pending' THEN 'queued' ELSE 'failed' END,
              m.attempts, ${limits.mailAttempts}::int,
              CASE WHEN m.status = 'pending' THEN m.next_attempt_at END, m.last_error, u.email, m.created_at
       FROM notification_mails m JOIN users u ON u.id = m.user_id
       WHERE m.status IN ('pending', 'failed') ${after("m")}
       ORDER BY m.created_at DESC, m.id DESC LIMIT ${each}::int)
    ) work
    ORDER BY "createdAt" DESC, id::uuid DESC
    LIMIT ${each}::int`;
  return toPage(rows, query.limit, (row) => encodeTimeCursor({ at: row.createdAt, id: row.id }));
}

export type SweepRun = {
  kind: string;
  status: JobStatus;
  finishedAt: Date | null;
  result: Record<string, unknown> | null;
  error: JobError | null;
};

/** Each scheduled kind's latest finished run: its counts, or the error it ended with. */
export async function latestSweepRuns(by: Who): Promise<SweepRun[]> {
  authorize(by, "admin.open");
  const kinds = SCHEDULED_JOBS.map((s) => s.kind);
  const rows = await prisma().$queryRaw<SweepRun[]>`
    SELECT DISTINCT ON (kind) kind, status, finished_at AS "finishedAt", result, error
    FROM jobs WHERE kind = ANY(${kinds}::text[]) AND status IN ('succeeded', 'failed')
    ORDER BY kind, finished_at DESC`;
  return rows;
}
