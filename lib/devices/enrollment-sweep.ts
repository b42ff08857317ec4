import { prisma } from "@/lib/db/client";

/**
 * Deletes expired challenges (used or not): they can only be refused. Returns how many.
 * Apart from ./enrollment.ts so the periodic sweeps (loaded at start) do not load the
 * CMS signer and pkijs with it (tests/server-memory.test.ts).
 */
export async function pruneExpiredEnrollments(now = new Date()): Promise<number> {
  const { count } = await prisma().deviceEnrollment.deleteMany({ where: { expiresAt: { lte: now } } });
  return count;
}
