import { type AuditInput, auditRow } from "@/lib/audit/audit";
import { prisma } from "@/lib/db/client";
import { isDatabaseUnavailable } from "@/lib/db/database-errors";

/**
 * Group commit for the audit rows of the install hot paths (manifest fetches,
 * .ipa downloads): rows go together in one INSERT.
 *
 * `queueAudit` resolves once the row is written (the download-complete row
 * of the install funnel): such a row is written as soon as the write in
 * flight (if any) ends, with the rows that arrived meanwhile. With
 * `{ wait: "queued" }` it resolves at once (the manifest and the start of a
 * download: their answers do not wait for a commit) and the row waits up to WRITE_BEHIND_MS for company, so
 * a busy install route costs a few INSERTs a second instead of one per
 * request; past MAX_BACKLOG unwritten rows such callers wait for theirs too,
 * so a slow database slows fetches down instead of growing memory. Rows are
 * written in the order they were queued: a caller that waits for its row
 * knows every row queued before it is written. `flushAuditQueue` (on
 * shutdown) writes everything at once, so no queued row is lost. A batch the
 * database could not take because it was out of reach (or every pooled
 * connection stayed busy past the pool's wait, as in a release-morning burst)
 * is tried again, up to MAX_ATTEMPTS times, before the rows after it (a
 * connection cut after the commit could then count a batch twice; dropping
 * it lost the funnel's rows every time). Like `recordAudit`, a failed write is
 * logged and never fails the request.
 */

type Row = ReturnType<typeof auditRow> & { at: string };
/** `awaited`: someone waits for this batch to be written, so it is written without the write-behind delay. */
type Pending = { rows: Row[]; awaited: boolean; attempts: number; done: Promise<void>; resolve: () => void };
type Queue = {
  batches: Pending[];
  writing: Promise<void> | null;
  backlog: number;
  flushing: boolean;
  /** Ends the pause before the next write, while the writer is pausing. */
  wake: (() => void) | null;
};

// Bounded batches: one statement's parameter stays small.
const MAX_BATCH = 1_000;
// Rows queued but not yet written beyond which `wait: "queued"` callers wait for theirs.
const MAX_BACKLOG = 10_000;
// How long rows nobody waits for may wait for others to share their INSERT.
const WRITE_BEHIND_MS = 100;
// A batch the database could not take (unreachable, pool wait timed out) is tried again this often, this many times
// (about a minute with the pool's own 5 s wait per try): long enough for a restart or a burst, bounded for shutdown.
const RETRY_MS = 1_000;
const MAX_ATTEMPTS = 10;

// On globalThis: Next's server bundle and the launcher (which flushes on SIGTERM) load separate copies of this module.
const holder = globalThis as typeof globalThis & { ferryAuditQueue?: Queue };
holder.ferryAuditQueue ??= { batches: [], writing: null, backlog: 0, flushing: false, wake: null };
const queue: Queue = holder.ferryAuditQueue;

export function queueAudit(
  input: AuditInput,
  options: { wait: "written" | "queued" } = { wait: "written" },
): Promise<void> {
  let batch = queue.batches.at(-1);
  if (!batch || batch.rows.length >= MAX_BATCH) {
    let resolve = (): void => {};
    const done = new Promise<void>((r) => {
      resolve = r;
    });
    batch = { rows: [], awaited: false, attempts: 0, done, resolve };
    queue.batches.push(batch);
  }
  // The time of the request, not of the write.
  batch.rows.push({ ...auditRow(input), at: new Date().toISOString() });
  queue.backlog += 1;
  const behind = options.wait === "queued" && queue.backlog <= MAX_BACKLOG;
  if (!behind) {
    batch.awaited = true;
    queue.wake?.();
  }
  queue.writing ??= writeLoop();
  return behind ? Promise.resolve() : batch.done;
}

/** Writes everything queued so far (and what arrives meanwhile) without delay; resolves once the queue is empty. */
export async function flushAuditQueue(): Promise<void> {
  queue.flushing = true;
  try {
    while (queue.writing || queue.batches.length > 0) {
      queue.writing ??= writeLoop();
      queue.wake?.();
      await queue.writing;
    }
  } finally {
    queue.flushing = false;
  }
}

async function writeLoop(): Promise<void> {
  try {
    while (queue.batches.length > 0) {
      const urgent = queue.flushing || queue.batches.some((batch) => batch.awaited);
      // Lets the rows of requests handled in the same tick (or, with nobody waiting, the next WRITE_BEHIND_MS) join.
      await pause(urgent ? 0 : WRITE_BEHIND_MS);
      for (let n = queue.batches.length; n > 0; n--) {
        const batch = queue.batches.shift();
        if (!batch) break;
        try {
          await insertRows(batch.rows);
        } catch (error) {
          // The database out of reach for a moment (restarting, or every pooled connection busy past the
          // pool's wait under a burst): the rows are the install funnel, so they wait at the head of the queue
          // and are tried again, a bounded number of times; anything else is logged and dropped.
          if (isDatabaseUnavailable(error) && batch.attempts < MAX_ATTEMPTS) {
            batch.attempts += 1;
            queue.batches.unshift(batch);
            await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
            break;
          }
          console.error(`[ferry] could not write ${batch.rows.length} audit event(s)`, error);
        }
        queue.backlog -= batch.rows.length;
        batch.resolve();
      }
    }
  } finally {
    queue.writing = null;
  }
}

/** Resolves after `ms` (0: the next turn of the event loop), or as soon as `queue.wake` is called. */
function pause(ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = ms > 0 ? setTimeout(() => queue.wake?.(), ms) : null;
    const immediate = ms > 0 ? null : setImmediate(() => queue.wake?.());
    queue.wake = () => {
      queue.wake = null;
      if (timer) clearTimeout(timer);
      if (immediate) clearImmediate(immediate);
      resolve();
    };
  });
}

/**
 * One statement with one parameter; the function scan yields the rows in array
 * order, so ids follow the queue. Raw:
 * Prisma's `createMany` compiles a new query plan for every batch size, which
 * cost more CPU than the INSERT itself.
 */
async function insertRows(rows: Row[]): Promise<void> {
  const json = JSON.stringify(
    rows.map((row) => ({
      at: row.at,
      action: row.action,
      actor_id: row.actorId,
      actor_email: row.actorEmail,
      app_id: row.appId,
      build_id: row.buildId,
      target_type: row.targetType,
      target_id: row.targetId,
      ip: row.ip,
      user_agent: row.userAgent,
      details: row.details,
    })),
  );
  await prisma().$executeRaw`
    INSERT INTO audit_events (at, action, actor_id, actor_email, app_id, build_id, target_type, target_id, ip, user_agent, details)
    SELECT r.at, r.action, r.actor_id, r.actor_email, r.app_id, r.build_id, r.target_type, r.target_id, r.ip, r.user_agent,
           coalesce(r.details, '{}')
    FROM jsonb_to_recordset(${json}::jsonb) AS r(
      at timestamptz, action text, actor_id uuid, actor_email text, app_id uuid, build_id uuid,
      target_type text, target_id text, ip text, user_agent text, details jsonb)`;
}
