import { visibleBuildsWhere, visibleChannelsWhere } from "@/lib/access/app-access";
import { env } from "@/lib/config/env";
import { prisma } from "@/lib/db/client";
import { Prisma } from "@/lib/generated/prisma/client";
import { afterFailure, claimLeased, secondsFromNow } from "@/lib/jobs/lease";
import { toUserDto, type UserDto, userDtoSelect } from "@/lib/users/data";

/**
 * The email queue. A new build (uploaded, or promoted into a channel) is
 * queued in the request that caused it, as one row per person
 * (`notification_items`, at most once per person and build) attached to that
 * person's open email (`notification_mails`, still pending and never
 * attempted). The open email is due a batch window after it was opened, so
 * the builds of a burst go out as one email. A worker (./worker.ts) claims
 * due emails through Ferry's one claim/lease/backoff (lib/jobs/lease.ts),
 * like jobs and webhook deliveries.
 */

/** Attempts before an email is marked failed (with the 60 s base: retries over about half an hour). */
export const MAX_MAIL_ATTEMPTS = 6;
/** A claimed email is retried after this if its instance died while sending. */
const LEASE_SECONDS = 120;
const MAX_DELAY_SECONDS = 6 * 3600;

type BuildRef = { id: string; appId: string };

/**
 * Queues an email about `build`, now in `channels`, for each person who
 * watches its app or one of those channels and may see it there (the pages'
 * rules: lib/access/app-access.ts). Never fails the upload that called it.
 * Returns how many people were queued.
 */
export async function enqueueBuildNotifications(build: BuildRef, channels: readonly string[]): Promise<number> {
  if (!env().mail) return 0;
  try {
    const channelRows = await prisma().channel.findMany({
      where: { appId: build.appId, name: { in: [...channels] } },
      select: { id: true, name: true },
    });
    if (channelRows.length === 0) return 0;
    const channelIds = channelRows.map((c) => c.id);
    const watches = await prisma().watch.findMany({
      where: { appId: build.appId, OR: [{ channelId: null }, { channelId: { in: channelIds } }] },
      select: { userId: true, channelId: true },
    });
    const users = await prisma().user.findMany({
      where: { id: { in: [...new Set(watches.map((w) => w.userId))] }, disabledAt: null },
      select: userDtoSelect,
    });
    let queued = 0;
    for (const row of users) {
      const user = toUserDto(row);
      const mine = watches.filter((w) => w.userId === user.id);
      const wholeApp = mine.some((w) => w.channelId === null);
      // The channels the build just arrived in that this person sees and watches (the app, or that channel).
      const seen = await prisma().channel.findMany({
        where: { AND: [{ id: { in: channelIds } }, visibleChannelsWhere(user)] },
        select: { id: true, name: true },
      });
      const reason = seen.find((c) => wholeApp || mine.some((w) => w.channelId === c.id));
      if (!reason) continue;
      // The build page's own rule, checked too: never tell anyone about a build their page would hide.
      const visible = await prisma().build.count({ where: { AND: [{ id: build.id }, visibleBuildsWhere(user)] } });
      if (visible === 0) continue;
      queued += await queueItem(user, build.id, reason.name);
    }
    return queued;
  } catch (error) {
    console.error("[ferry] could not queue notification emails", error);
    return 0;
  }
}

/** Adds the build to the person's open email (opening one, due after the batch window), once per build. */
async function queueItem(user: UserDto, buildId: string, channel: string): Promise<number> {
  const already = await prisma().notificationItem.count({ where: { userId: user.id, buildId } });
  if (already > 0) return 0;
  const windowSeconds = env().notifyBatchWindowSeconds;
  // Waits for a worker's claim of the open row (row lock), then finds it no longer open and opens a new one.
  return prisma().$executeRaw`
    WITH mail AS (
      INSERT INTO notification_mails (user_id, next_attempt_at)
      VALUES (${user.id}::uuid, now() + make_interval(secs => ${windowSeconds}::double precision))
      ON CONFLICT (user_id) WHERE status = 'pending' AND attempts = 0
      DO UPDATE SET user_id = EXCLUDED.user_id
      RETURNING id
    )
    INSERT INTO notification_items (user_id, build_id, mail_id, channel)
    SELECT ${user.id}::uuid, ${buildId}::uuid, id, ${channel} FROM mail
    ON CONFLICT DO NOTHING`;
}

export type ClaimedMail = { id: string; userId: string; attempts: number };

/** Claims up to `limit` due emails: counts the attempt and moves them a lease ahead in the same statement. */
export async function claimDueMails(limit = 10): Promise<ClaimedMail[]> {
  return claimLeased<ClaimedMail>({
    table: "notification_mails",
    due: Prisma.sql`t.status = 'pending' AND t.next_attempt_at <= now()`,
    order: Prisma.sql`t.next_attempt_at`,
    limit,
    lease: Prisma.sql`last_attempt_at = now(), next_attempt_at = ${secondsFromNow(LEASE_SECONDS)}`,
    returning: Prisma.sql`u.id, u.user_id AS "userId", u.attempts`,
  });
}

export type MailOutcome = { status: "sent" | "skipped" } | { status: "error"; error: string };

/** Writes an attempt's outcome: sent, skipped (nothing left to tell), retried after the backoff, or failed. */
export async function recordMailAttempt(
  mail: Pick<ClaimedMail, "id" | "attempts">,
  outcome: MailOutcome,
  retryBaseSeconds: number,
): Promise<void> {
  const error = outcome.status === "error" ? outcome.error.slice(0, 300) : null;
  const { retry, delaySeconds: delay } = afterFailure({
    attempts: mail.attempts,
    maxAttempts: MAX_MAIL_ATTEMPTS,
    baseSeconds: retryBaseSeconds,
    capSeconds: MAX_DELAY_SECONDS,
  });
  const status = outcome.status !== "error" ? outcome.status : retry ? "pending" : "failed";
  await prisma().$executeRaw`
    UPDATE notification_mails SET
      status = ${status}::text,
      last_error = ${error},
      sent_at = CASE WHEN ${status}::text = 'sent' THEN now() ELSE sent_at END,
      next_attempt_at = CASE WHEN ${status}::text = 'pending'
        THEN ${secondsFromNow(delay)} ELSE next_attempt_at END
    WHERE id = ${mail.id}::uuid`;
}
