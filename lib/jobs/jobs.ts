import { randomUUID } from "node:crypto";
import os from "node:os";
import { prisma } from "@/lib/db/client";
import { isUuid } from "@/lib/db/ids";
import { isAppError } from "@/lib/errors";
import { Prisma } from "@/lib/generated/prisma/client";
import { afterFailure, backoffSeconds, claimLeased, secondsFromNow } from "@/lib/jobs/lease";
import type { JobStatus } from "@/lib/jobs/schema";

/**
 * Ferry's one mechanism for durable background work. A job is a row in
 * `jobs`; any number of instances run workers that claim due rows with
 * FOR UPDATE SKIP LOCKED and hold them under a lease (`locked_until`) they
 * renew while working (the claim itself: lib/jobs/lease.ts, shared with
 * webhook deliveries and notification emails). A job whose instance died (its lease ran out) is
 * claimed again by the next worker, so work queued or running at a restart
 * is finished after it. A failure is retried with exponential backoff up to
 * `max_attempts`, except a refusal (an AppError with a 4xx status: the
 * input is wrong and will stay wrong), which fails at once. The error a
 * caller sees is stored as `{ code, message }`: AppError sentences only, so
 * nothing internal (a stack, a path, a secret) is ever shown.
 *
 * Handlers must be idempotent per job: a retry after a lost lease runs the
 * whole handler again (the re-sign job checks whether it already made its build).
 */

export type { JobStatus } from "@/lib/jobs/schema";

export type JobError = { code: string; message: string };

export type Job = {
  id: string;
  kind: string;
  payload: Record<string, unknown>;
  status: JobStatus;
  attempts: number;
  maxAttempts: number;
  runAt: Date;
  result: Record<string, unknown> | null;
  error: JobError | null;
  createdById: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
};

/** A claimed job, with the token its worker proves ownership with. */
export type ClaimedJob = Job & { lockedBy: string };

export const DEFAULT_LEASE_SECONDS = 60;
export const DEFAULT_MAX_ATTEMPTS = 3;
/** What a job interrupted on its last attempt shows. */
const INTERRUPTED: JobError = {
  code: "internal",
  message: "The job was interrupted on every attempt (its server stopped while running it); the server log says why.",
};
/** Retry n waits base × 2^(n-1), capped. */
export const RETRY_BASE_SECONDS = 30;
const MAX_RETRY_DELAY_SECONDS = 3600;

type JobRow = {
  id: string;
  kind: string;
  payload: unknown;
  status: string;
  attempts: number;
  max_attempts: number;
  run_at: Date;
  result: unknown;
  error: unknown;
  created_by_id: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  locked_by?: string | null;
};

function toJob(row: JobRow): Job {
  return {
    id: row.id,
    kind: row.kind,
    payload: (row.payload ?? {}) as Record<string, unknown>,
    status: row.status as JobStatus,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    runAt: row.run_at,
    result: (row.result ?? null) as Record<string, unknown> | null,
    error: (row.error ?? null) as JobError | null,
    createdById: row.created_by_id,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

/** Queues a job; `tx` makes it part of the caller's transaction (queued only if that commits). */
export async function enqueueJob(
  input: {
    kind: string;
    payload: Prisma.InputJsonObject;
    createdById?: string | null;
    maxAttempts?: number;
    runAt?: Date;
  },
  tx: Prisma.TransactionClient = prisma(),
): Promise<Job> {
  const rows = await tx.$queryRaw<JobRow[]>`
    INSERT INTO jobs (id, kind, payload, max_attempts, run_at, created_by_id)
    VALUES (${randomUUID()}::uuid, ${input.kind}, ${JSON.stringify(input.payload)}::jsonb,
            ${input.maxAttempts ?? DEFAULT_MAX_ATTEMPTS}::int, ${input.runAt ?? new Date()},
            ${input.createdById ?? null}::uuid)
    RETURNING *`;
  const row = rows[0];
  if (!row) throw new Error("the job was not inserted");
  return toJob(row);
}

/**
 * Queues a job unless a unique index on `jobs` already holds one like it
 * (e.g. one queued job per app, prisma/migrations/20261207140000_app_store_connect):
 * null then, and the caller joins the existing one. Safe across instances.
 */
export async function enqueueJobUnlessQueued(
  input: {
    kind: string;
    payload: Prisma.InputJsonObject;
    createdById?: string | null;
    maxAttempts?: number;
    runAt?: Date;
  },
  tx: Prisma.TransactionClient = prisma(),
): Promise<Job | null> {
  const rows = await tx.$queryRaw<JobRow[]>`
    INSERT INTO jobs (id, kind, payload, max_attempts, run_at, created_by_id)
    VALUES (${randomUUID()}::uuid, ${input.kind}, ${JSON.stringify(input.payload)}::jsonb,
            ${input.maxAttempts ?? DEFAULT_MAX_ATTEMPTS}::int, ${input.runAt ?? new Date()},
            ${input.createdById ?? null}::uuid)
    ON CONFLICT DO NOTHING
    RETURNING *`;
  return rows[0] ? toJob(rows[0]) : null;
}

/** A job by id (null when there is none); callers decide who may see it. */
export async function findJob(id: string): Promise<Job | null> {
  if (!isUuid(id)) return null;
  const rows = await prisma().$queryRaw<JobRow[]>`SELECT * FROM jobs WHERE id = ${id}::uuid`;
  return rows[0] ? toJob(rows[0]) : null;
}

/**
 * Claims up to `limit` due jobs of `kinds`: queued ones whose time has come,
 * and running ones whose lease ran out (their instance died). Counts the
 * attempt and sets the lease in the same statement.
 */
export async function claimJobs(options: {
  kinds: readonly string[];
  limit?: number;
  leaseSeconds?: number;
  workerId?: string;
}): Promise<ClaimedJob[]> {
  const lockedBy = options.workerId ?? `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  // A job whose last allowed attempt died with its instance (a crash, SIGKILL, OOM) fails for good
  // instead of being taken over again: one that kills its server would otherwise run forever.
  await prisma().$executeRaw`
    UPDATE jobs SET status = 'failed', error = ${JSON.stringify(INTERRUPTED)}::jsonb,
                    locked_until = NULL, locked_by = NULL, finished_at = now()
    WHERE kind = ANY(${[...options.kinds]}::text[])
      AND status = 'running' AND locked_until < now() AND attempts >= max_attempts`;
  const rows = await claimLeased<JobRow>({
    table: "jobs",
    due: Prisma.sql`t.kind = ANY(${[...options.kinds]}::text[])
      AND ((t.status = 'queued' AND t.run_at <= now()) OR (t.status = 'running' AND t.locked_until < now()))`,
    order: Prisma.sql`t.run_at, t.created_at`,
    limit: options.limit ?? 1,
    lease: Prisma.sql`status = 'running', locked_until = ${secondsFromNow(options.leaseSeconds ?? DEFAULT_LEASE_SECONDS)},
      locked_by = ${lockedBy}, started_at = coalesce(u.started_at, now())`,
    returning: Prisma.sql`u.*`,
  });
  return rows.map((row) => ({ ...toJob(row), lockedBy }));
}

/** Extends the lease of a job this worker still holds; false when it lost it (another worker took over). */
export async function renewLease(job: ClaimedJob, leaseSeconds = DEFAULT_LEASE_SECONDS): Promise<boolean> {
  const count = await prisma().$executeRaw`
    UPDATE jobs SET locked_until = ${secondsFromNow(leaseSeconds)}
    WHERE id = ${job.id}::uuid AND locked_by = ${job.lockedBy} AND status = 'running'`;
  return count > 0;
}

/** Marks a held job succeeded; false when the lease was lost meanwhile. */
export async function completeJob(job: ClaimedJob, result: Prisma.InputJsonObject): Promise<boolean> {
  const count = await prisma().$executeRaw`
    UPDATE jobs SET status = 'succeeded', result = ${JSON.stringify(result)}::jsonb, error = NULL,
                    locked_until = NULL, finished_at = now()
    WHERE id = ${job.id}::uuid AND locked_by = ${job.lockedBy} AND status = 'running'`;
  return count > 0;
}

/** Seconds before retry number `attempts` (1-based). */
export function jobRetryDelaySeconds(attempts: number, baseSeconds = RETRY_BASE_SECONDS): number {
  return backoffSeconds(attempts, baseSeconds, MAX_RETRY_DELAY_SECONDS);
}

/** What a caller may see of an error: an AppError's code and sentence, or a generic one. */
export function publicJobError(error: unknown): JobError {
  if (isAppError(error)) return { code: error.code, message: error.message };
  return {
    code: "internal",
    message: "The job failed on our side; it is retried, and the server log says why.",
  };
}

/** Whether retrying can help: refusals of the input (4xx AppErrors) cannot. */
export function isRetryable(error: unknown): boolean {
  return !(isAppError(error) && error.status < 500);
}

/**
 * Records a failed attempt: queued again after the backoff while attempts
 * remain and the error is retryable, else failed for good. Returns the new status.
 */
export async function failJob(
  job: ClaimedJob,
  error: unknown,
  options: { retryBaseSeconds?: number } = {},
): Promise<JobStatus | null> {
  const visible = publicJobError(error);
  const { retry, delaySeconds: delay } = afterFailure({
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    retryable: isRetryable(error),
    baseSeconds: options.retryBaseSeconds ?? RETRY_BASE_SECONDS,
    capSeconds: MAX_RETRY_DELAY_SECONDS,
  });
  const rows = await prisma().$queryRaw<{ status: string }[]>`
    UPDATE jobs SET status = ${retry ? "queued" : "failed"}, error = ${JSON.stringify(visible)}::jsonb,
                    locked_until = NULL, locked_by = NULL,
                    run_at = CASE WHEN ${retry} THEN ${secondsFromNow(delay)} ELSE run_at END,
                    finished_at = CASE WHEN ${retry} THEN NULL ELSE now() END
    WHERE id = ${job.id}::uuid AND locked_by = ${job.lockedBy} AND status = 'running'
    RETURNING status`;
  return (rows[0]?.status as JobStatus | undefined) ?? null;
}
