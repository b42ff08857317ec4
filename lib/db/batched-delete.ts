import { prisma } from "@/lib/db/client";

/** Rows per DELETE statement of the clean-up sweeps: each is its own short transaction. */
export const DELETE_BATCH_ROWS = 5_000;

/**
 * Deletes the rows of `table` matching `where`, at most `batchSize` per
 * statement (each statement commits alone, so no lock is held longer than
 * one batch; rows another session holds are skipped, not waited for), and at
 * most `maxBatches` statements per call, so one run of a sweep stays short
 * and the rest waits for the next run. Returns how many rows went.
 *
 * `table`, `key` and `where` are SQL written in this codebase, never input.
 */
export async function deleteInBatches(options: {
  table: string;
  key: string;
  where: string;
  /** Oldest first, so an interrupted run leaves the newest rows. */
  orderBy?: string;
  batchSize?: number;
  maxBatches?: number;
  /** Called after each statement with how many rows it deleted (tests check the bound). */
  onBatch?: (deleted: number) => void;
}): Promise<number> {
  const batchSize = options.batchSize ?? DELETE_BATCH_ROWS;
  const maxBatches = options.maxBatches ?? 200;
  const order = options.orderBy ? ` ORDER BY ${options.orderBy}` : "";
  const sql = `DELETE FROM ${options.table} WHERE ${options.key} IN (
    SELECT ${options.key} FROM ${options.table} WHERE ${options.where}${order} LIMIT ${Math.floor(batchSize)} FOR UPDATE SKIP LOCKED)`;
  let total = 0;
  for (let i = 0; i < maxBatches; i++) {
    const deleted = await prisma().$executeRawUnsafe(sql);
    options.onBatch?.(deleted);
    total += deleted;
    if (deleted < batchSize) break;
  }
  return total;
}
