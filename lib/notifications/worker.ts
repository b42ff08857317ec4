import type { Transporter } from "nodemailer";
import { visibleBuildsWhere } from "@/lib/access/app-access";
import { env } from "@/lib/config/env";
import { prisma } from "@/lib/db/client";
import { createClaimLoop } from "@/lib/jobs/lease";
import { runEvery } from "@/lib/jobs/run-every";
import { type ComposedMail, composeMail, type MailBuild, type MailWatch } from "@/lib/notifications/compose";
import { type ClaimedMail, claimDueMails, type MailOutcome, recordMailAttempt } from "@/lib/notifications/outbox";
import { toUserDto, userDtoSelect } from "@/lib/users/data";

/** Sending queued emails (./outbox.ts) over SMTP with nodemailer. */

/** Emails in flight in one instance. */
const MAX_IN_FLIGHT = 4;

export type SendMail = (message: { to: string; from: string } & ComposedMail) => Promise<void>;

/** An SMTP sender for `smtpUrl` (pooled connections, bounded waits). */
export function smtpSender(smtpUrl: string): SendMail {
  // nodemailer is loaded on the first email, not at start: most servers never send one (memory).
  let transport: Promise<Transporter> | null = null;
  const open = async () => {
    const { default: nodemailer } = await import("nodemailer");
    return nodemailer.createTransport({
      url: smtpUrl,
      pool: true,
      maxConnections: 2,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    });
  };
  return async (message) => {
    transport ??= open();
    await (await transport).sendMail(message);
  };
}

/**
 * What the claimed email says, decided now rather than when it was queued:
 * only builds the person may still see, from apps or channels they still
 * watch. null when nothing is left (they unwatched, lost access, the build was
 * deleted): the email is then skipped.
 */
export async function mailContent(
  mail: Pick<ClaimedMail, "id" | "userId">,
): Promise<{ to: string; composed: ComposedMail } | null> {
  const row = await prisma().user.findUnique({ where: { id: mail.userId }, select: userDtoSelect });
  if (!row || row.disabledAt) return null;
  const user = toUserDto(row);
  const items = await prisma().notificationItem.findMany({ where: { mailId: mail.id }, orderBy: { createdAt: "asc" } });
  if (items.length === 0) return null;
  const builds = await prisma().build.findMany({
    where: { AND: [{ id: { in: items.map((i) => i.buildId) } }, visibleBuildsWhere(user)] },
    select: { id: true, appId: true, version: true, buildNumber: true, notes: true, app: { select: { name: true } } },
  });
  const watches = await prisma().watch.findMany({
    where: { userId: user.id, appId: { in: builds.map((b) => b.appId) } },
  });
  const channels = await prisma().channel.findMany({
    where: { id: { in: watches.flatMap((w) => (w.channelId ? [w.channelId] : [])) } },
    select: { id: true, name: true },
  });
  const channelName = new Map(channels.map((c) => [c.id, c.name]));
  const byId = new Map(builds.map((b) => [b.id, b]));
  const kept: MailBuild[] = [];
  const usedWatches = new Map<string, MailWatch>();
  for (const item of items) {
    const build = byId.get(item.buildId);
    if (!build) continue;
    const watch = watches.find(
      (w) => w.appId === build.appId && (w.channelId === null || channelName.get(w.channelId) === item.channel),
    );
    if (!watch) continue;
    kept.push({
      id: build.id,
      appId: build.appId,
      appName: build.app.name,
      version: build.version,
      buildNumber: build.buildNumber,
      channel: item.channel,
      notes: build.notes,
    });
    usedWatches.set(watch.id, {
      id: watch.id,
      appId: watch.appId,
      appName: build.app.name,
      channel: watch.channelId ? (channelName.get(watch.channelId) ?? null) : null,
    });
  }
  if (kept.length === 0) return null;
  return {
    to: user.email,
    composed: composeMail({
      publicUrl: env().publicUrl,
      userId: user.id,
      builds: kept,
      watches: [...usedWatches.values()],
    }),
  };
}

/** One attempt at one claimed email; the outcome is recorded by the caller. */
export async function sendClaimedMail(mail: ClaimedMail, send: SendMail, from: string): Promise<MailOutcome> {
  const content = await mailContent(mail);
  if (!content) return { status: "skipped" };
  try {
    await send({ to: content.to, from, ...content.composed });
    return { status: "sent" };
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    return { status: "error", error: code ? `${code}: ${message}` : message };
  }
}

export type MailWorker = { tick: () => Promise<number>; settled: () => Promise<void> };

export function createMailWorker(options: {
  send: SendMail;
  from: string;
  retryBaseSeconds: number;
  log?: (line: string) => void;
}): MailWorker {
  const loop = createClaimLoop<ClaimedMail>({
    concurrency: MAX_IN_FLIGHT,
    claim: (room) => claimDueMails(room),
    run: async (mail) => {
      try {
        const outcome = await sendClaimedMail(mail, options.send, options.from);
        if (outcome.status === "error") options.log?.(`warning: notification email not sent (${outcome.error})`);
        await recordMailAttempt(mail, outcome, options.retryBaseSeconds);
      } catch (error) {
        // Not recorded (the database went away): the lease runs out and the email is tried again.
        options.log?.(`warning: could not record notification email ${mail.id}: ${(error as Error).message}`);
      }
    },
  });
  return { tick: loop.tick, settled: loop.settled };
}

/** The worker loop started by scripts/start.ts when SMTP is configured; returns a function that stops it. */
export function startNotificationWorker(options: {
  log: (line: string) => void;
  retryBaseSeconds?: number;
  everyMs?: number;
}): (() => void) | null {
  const mail = env().mail;
  if (!mail) return null;
  const worker = createMailWorker({
    send: smtpSender(mail.smtpUrl),
    from: mail.from,
    retryBaseSeconds: options.retryBaseSeconds ?? 60,
    log: options.log,
  });
  return runEvery({
    tick: () => worker.tick(),
    what: "notification emails",
    log: options.log,
    everyMs: options.everyMs,
  });
}
