import { type AuditInput, auditRow } from "@/lib/audit/audit";
import { prisma } from "@/lib/db/client";

/**
 * Group commit for the audit rows of the install hot paths (manifest fetches,
 * .ipa downloads): a row is written at once when nothing is being written, and
 * rows arriving meanwhile go together in one INSERT as soon as the write in
 * flight ends. One client waits one round trip, as before; 64 clients share a
 * handful of INSERTs instead of queueing 64 of them on the pool.
 *
 * Callers await their row like `recordAudit` (so a fetch that was answered is
 * on the record); `flushAuditQueue` is called on shutdown so no queued row is
 * lost. Like `recordAudit`, a failed write is logged and never fails the request.
 */

type Pending = { rows: ReturnType<typeof auditRow>[]; done: Promise<void>; resolve: () => void };
type Queue = { batches: Pending[]; writing: Promise<void> | null };

// Bounded batches: one statement's parameters stay small.
const MAX_BATCH = 1_000;

// On globalThis: Next's server bundle and the launcher (which flushes on SIGTERM) load separate copies of this module.
const holder = globalThis as typeof globalThis & { ferryAuditQueue?: Queue };
holder.ferryAuditQueue ??= { batches: [], writing: null };
const queue: Queue = holder.ferryAuditQueue;

export function queueAudit(input: AuditInput): Promise<void> {
  let batch = queue.batches.at(-1);
  if (!batch || batch.rows.length >= MAX_BATCH) {
    let resolve = (): void => {};
    const done = new Promise<void>((r) => {
      resolve = r;
    });
    batch = { rows: [], done, resolve };
    queue.batches.push(batch);
  }
  batch.rows.push(auditRow(input));
  if (!queue.writing) queue.writing = writeLoop();
  return batch.done;
}

/** Writes everything queued so far (and what arrives meanwhile); resolves once the queue is empty. */
export async function flushAuditQueue(): Promise<void> {
  while (queue.writing || queue.batches.length > 0) {
    if (!queue.writing) queue.writing = writeLoop();
    await queue.writing;
  }
}

async function writeLoop(): Promise<void> {
  try {
    // Lets the rows of requests handled in the same tick join the first batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    for (let batch = queue.batches.shift(); batch; batch = queue.batches.shift()) {
      try {
        await prisma().auditEvent.createMany({ data: batch.rows });
      } catch (error) {
        console.error(`[ferry] could not write ${batch.rows.length} audit event(s)`, error);
      }
      batch.resolve();
    }
  } finally {
    queue.writing = null;
  }
}
