import { prisma } from "@/lib/db/client";

/**
 * Records when an update key was last used (shown on the keys page): best
 * effort, at most once a minute per key, so the update check stays a read
 * and a failed write never fails it.
 */
export async function touchUpdateKey(key: { id: string; lastUsedAt: Date | null }, now: Date): Promise<void> {
  if (key.lastUsedAt && now.getTime() - key.lastUsedAt.getTime() <= 60_000) return;
  await prisma()
    .appUpdateKey.update({ where: { id: key.id }, data: { lastUsedAt: now } })
    .catch(() => {});
}
