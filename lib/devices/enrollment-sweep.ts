import { deleteInBatches } from "@/lib/db/batched-delete";

/**
 * Deletes expired challenges (used or not): they can only be refused. Returns how many.
 * In batches (lib/db/batched-delete.ts), so a backlog never holds a long lock.
 * Apart from ./enrollment.ts so the periodic sweeps (loaded at start) do not load the
 * CMS signer and pkijs with it (tests/server-memory.test.ts).
 */
export async function pruneExpiredEnrollments(
  now = new Date(),
  limits: Pick<Parameters<typeof deleteInBatches>[0], "batchSize" | "maxBatches" | "onBatch"> = {},
): Promise<number> {
  return deleteInBatches({
    table: "device_enrollments",
    key: "challenge_hash",
    where: `expires_at <= '${now.toISOString()}'::timestamptz`,
    ...limits,
  });
}
