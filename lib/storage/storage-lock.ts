import type { Prisma } from "@/lib/generated/prisma/client";

/**
 * One PostgreSQL advisory lock guards the link between stored files and build
 * rows, across every instance sharing DATA_DIR and the database:
 * - writers (an upload moving its file into builds/ and inserting its row) hold
 *   it shared, in the same transaction as the insert;
 * - removers (cleanup after a failed commit, the orphan sweep) hold it
 *   exclusively while they decide that no row references a file and remove it.
 * So a file is never removed between being moved and its row being committed.
 */
const LOCK = "hashtext('ferry:build-storage')";

export async function lockStorageShared(tx: Prisma.TransactionClient): Promise<void> {
  await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock_shared(${LOCK})`);
}

export async function lockStorageExclusive(tx: Prisma.TransactionClient): Promise<void> {
  await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${LOCK})`);
}

/** Exclusive without waiting: false when a writer or another remover holds it. */
export async function tryLockStorageExclusive(tx: Prisma.TransactionClient): Promise<boolean> {
  const rows = await tx.$queryRawUnsafe<{ ok: boolean }[]>(`SELECT pg_try_advisory_xact_lock(${LOCK}) AS ok`);
  return rows[0]?.ok === true;
}
