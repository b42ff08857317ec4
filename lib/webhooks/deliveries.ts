import { createHmac } from "node:crypto";
import { DEFAULT_CHANNEL } from "@/lib/channels/schema";
import { env } from "@/lib/config/env";
import { prisma } from "@/lib/db/client";
import { Prisma } from "@/lib/generated/prisma/client";
import { buildPageUrl, channelPageUrl } from "@/lib/install-links/urls";
import { afterFailure, backoffSeconds, claimLeased, createClaimLoop, secondsFromNow } from "@/lib/jobs/lease";
import { runEvery } from "@/lib/jobs/run-every";
import {
  type AddressPolicy,
  RefusedAddressError,
  type Resolve,
  webhookAddressPolicy,
} from "@/lib/webhooks/address-policy";
import { slackText, teamsCard } from "@/lib/webhooks/chat-messages";
import { PostTimeoutError, postWebhook } from "@/lib/webhooks/post-webhook";
import type { WebhookEvent, WebhookFormat } from "@/lib/webhooks/schema";

/**
 * Delivering webhooks. Events are queued as rows (`webhook_deliveries`) in the
 * request that caused them, then sent by a worker loop that any number of
 * instances may run: each claims due rows through Ferry's one claim/lease/backoff
 * (lib/jobs/lease.ts), which moves them out of reach for a lease while it sends,
 * so every attempt is made once, and a crash mid-send only means a retry after the lease.
 */

/** Attempts before a delivery is marked failed (with the default 60 s base: retries over about half an hour). */
export const MAX_ATTEMPTS = 6;
/** Per request; a slow receiver counts as a failed attempt. */
export const REQUEST_TIMEOUT_MS = 10_000;
/** A claimed row is retried after this if its instance died while sending. */
const LEASE_SECONDS = 60;
/** Deliveries in flight per receiver (a URL's scheme, host and port) in one instance: a slow one holds only these. */
export const MAX_PER_RECEIVER = 2;
/** Deliveries in flight in one instance, all receivers together. */
export const MAX_IN_FLIGHT = 16;
const MAX_DELAY_SECONDS = 6 * 3600;

export type WebhookPayload = {
  event: WebhookEvent;
  app: { id: string; name: string; bundleId: string };
  build: { id: string; version: string; buildNumber: string; channel: string };
  pageUrl: string;
  channelLatestUrl: string;
  occurredAt: string;
};

/** The "send test" delivery (no build): says the receiver is reachable and the secret verifies. */
export type PingPayload = {
  event: "ping";
  app: { id: string; name: string; bundleId: string };
  webhook: { id: string };
  message: string;
  occurredAt: string;
};

type BuildRef = { id: string; appId: string; version: string; buildNumber: string };

/** Queues `build.created` for the app's webhooks; never fails the upload that called it. */
export async function enqueueBuildCreated(build: BuildRef & { channels: string[] }): Promise<number> {
  return enqueueBuildEvent("build.created", build, build.channels[0] ?? DEFAULT_CHANNEL);
}

/** Queues `build.promoted` (a build added to another channel). */
export async function enqueueBuildPromoted(build: BuildRef, channel: string): Promise<number> {
  return enqueueBuildEvent("build.promoted", build, channel);
}

/** Queues `build.resigned` (a build made by re-signing another; sent after its `build.created`). */
export async function enqueueBuildResigned(build: BuildRef & { channels: string[] }): Promise<number> {
  return enqueueBuildEvent("build.resigned", build, build.channels[0] ?? DEFAULT_CHANNEL);
}

async function enqueueBuildEvent(event: WebhookEvent, build: BuildRef, channel: string): Promise<number> {
  try {
    const app = await prisma().app.findUnique({
      where: { id: build.appId },
      select: { id: true, name: true, bundleId: true },
    });
    if (!app) return 0;
    const publicUrl = env().publicUrl;
    const payload: WebhookPayload = {
      event,
      app,
      build: { id: build.id, version: build.version, buildNumber: build.buildNumber, channel },
      pageUrl: buildPageUrl(publicUrl, app.id, build.id),
      channelLatestUrl: channelPageUrl(publicUrl, app.id, channel),
      occurredAt: new Date().toISOString(),
    };
    return await prisma().$executeRaw`
      INSERT INTO webhook_deliveries (webhook_id, event, payload)
      SELECT id, ${event}, ${JSON.stringify(payload)}::jsonb FROM webhooks
      WHERE app_id = ${app.id}::uuid AND enabled AND ${event} = ANY(events)`;
  } catch (error) {
    console.error(`[ferry] could not queue webhook deliveries for ${event}`, error);
    return 0;
  }
}

/** Seconds to wait after failed attempt number `attempts` (1-based): base, 2×base, 4×base…, capped at 6 h. */
export function retryDelaySeconds(attempts: number, baseSeconds: number): number {
  return backoffSeconds(attempts, baseSeconds, MAX_DELAY_SECONDS);
}

/** `sha256=<hex HMAC-SHA256 of the raw body>`, the X-Ferry-Signature header. */
export function signatureHeader(secret: string, rawBody: string): string {
  return `sha256=${createHmac("sha256", secret).update(rawBody).digest("hex")}`;
}

/** The exact bytes sent (and signed) for a payload in a webhook's format. */
export function deliveryBody(payload: WebhookPayload | PingPayload, format: WebhookFormat): string {
  if (payload.event === "ping") {
    if (format === "slack") return JSON.stringify({ text: payload.message });
    if (format === "teams") {
      return JSON.stringify({
        "@type": "MessageCard",
        "@context": "https://schema.org/extensions",
        summary: "Ferry test",
        text: payload.message,
      });
    }
    return JSON.stringify(payload);
  }
  if (format === "slack") return JSON.stringify({ text: slackText(payload) });
  if (format === "teams") return JSON.stringify(teamsCard(payload));
  return JSON.stringify(payload);
}

export type ClaimedDelivery = {
  id: string;
  event: string;
  payload: WebhookPayload | PingPayload;
  attempts: number;
  url: string;
  secret: string;
  format: WebhookFormat;
  /** Who receives it: the URL's scheme, host and port, lower-cased. */
  receiver: string;
};

/**
 * Claims up to `limit` due deliveries of enabled webhooks, at most
 * `perReceiver` per receiver counting those this instance already has in flight
 * (`inFlight`, receiver → count): counts the attempt and pushes next_attempt_at
 * a lease ahead in the same statement, so another worker (skipping the locked
 * rows now, the leased ones after commit) never sends the same attempt.
 * Receivers that are full are skipped in the scan, so a receiver with a backlog
 * does not hide the others' deliveries.
 */
export async function claimDueDeliveries(
  limit = 10,
  inFlight: ReadonlyMap<string, number> = new Map(),
  perReceiver = MAX_PER_RECEIVER,
): Promise<ClaimedDelivery[]> {
  const busy = JSON.stringify(Object.fromEntries(inFlight));
  // The receiver is the URL up to its path (stored URLs are normalised, userinfo is refused).
  const receiverOf = (url: Prisma.Sql) =>
    Prisma.sql`lower(coalesce(substring(${url} from '^[^:/?#]+://[^/?#]*'), ${url}))`;
  return claimLeased<ClaimedDelivery>({
    table: "webhook_deliveries",
    join: Prisma.sql`JOIN webhooks ww ON ww.id = t.webhook_id`,
    columns: Prisma.sql`t.next_attempt_at, ${receiverOf(Prisma.sql`ww.url`)} AS receiver`,
    due: Prisma.sql`t.status = 'pending' AND t.next_attempt_at <= now() AND ww.enabled
      AND coalesce((${busy}::jsonb ->> ${receiverOf(Prisma.sql`ww.url`)})::int, 0) < ${perReceiver}::int`,
    order: Prisma.sql`t.next_attempt_at`,
    scan: Math.max(limit * 5, 50),
    limit,
    pick: Prisma.sql`
      SELECT r.id FROM (
        SELECT c.id, c.next_attempt_at,
               row_number() OVER (PARTITION BY c.receiver ORDER BY c.next_attempt_at, c.id)
                 + coalesce((${busy}::jsonb ->> c.receiver)::int, 0) AS slot
        FROM candidates c) r
      WHERE r.slot <= ${perReceiver}::int
      ORDER BY r.next_attempt_at
      LIMIT ${limit}::int`,
    lease: Prisma.sql`last_attempt_at = now(), next_attempt_at = ${secondsFromNow(LEASE_SECONDS)}`,
    from: { table: Prisma.sql`webhooks w`, on: Prisma.sql`w.id = u.webhook_id` },
    returning: Prisma.sql`u.id, u.event, u.payload, u.attempts, w.url, w.secret, w.format,
      ${receiverOf(Prisma.sql`w.url`)} AS receiver`,
  });
}

export type AttemptResult = { ok: boolean; status: number | null; error: string | null; snippet: string | null };

export type SendOptions = { policy?: AddressPolicy; resolve?: Resolve };

/**
 * One POST: bounded by REQUEST_TIMEOUT_MS, redirects not followed (a 3xx is a
 * failure), 2xx is success. An address the policy refuses is a failed attempt
 * with no connection made (so no answer to show).
 */
export async function sendDelivery(
  delivery: Omit<ClaimedDelivery, "receiver">,
  options: SendOptions = {},
): Promise<AttemptResult> {
  const body = deliveryBody(delivery.payload, delivery.format);
  try {
    const response = await postWebhook(
      delivery.url,
      body,
      {
        "content-type": "application/json",
        "user-agent": "Ferry-Webhooks/1",
        "x-ferry-event": delivery.event,
        "x-ferry-delivery": delivery.id,
        "x-ferry-signature": signatureHeader(delivery.secret, body),
      },
      { policy: options.policy ?? webhookAddressPolicy(), timeoutMs: REQUEST_TIMEOUT_MS, resolve: options.resolve },
    );
    const ok = response.status >= 200 && response.status < 300;
    return { ok, status: response.status, error: ok ? null : `HTTP ${response.status}`, snippet: response.snippet };
  } catch (error) {
    // Our own refusals and timeouts say what happened; system errors by their code (ECONNREFUSED…).
    const known = error instanceof RefusedAddressError || error instanceof PostTimeoutError;
    const { code, message } = error as NodeJS.ErrnoException;
    return { ok: false, status: null, error: (known ? message : (code ?? message)).slice(0, 300), snippet: null };
  }
}

/** Writes an attempt's outcome: delivered, retried after the backoff, or failed after MAX_ATTEMPTS. */
export async function recordAttempt(
  delivery: Pick<ClaimedDelivery, "id" | "attempts">,
  result: AttemptResult,
  retryBaseSeconds: number,
): Promise<void> {
  const { retry, delaySeconds: delay } = afterFailure({
    attempts: delivery.attempts,
    maxAttempts: MAX_ATTEMPTS,
    baseSeconds: retryBaseSeconds,
    capSeconds: MAX_DELAY_SECONDS,
  });
  const status = result.ok ? "delivered" : retry ? "pending" : "failed";
  const entry = JSON.stringify([{ at: new Date().toISOString(), status: result.status, error: result.error }]);
  await prisma().$executeRaw`
    UPDATE webhook_deliveries SET
      status = ${status}::text,
      last_status = ${result.status},
      last_error = ${result.error},
      response_snippet = ${result.snippet},
      next_attempt_at = CASE WHEN ${status}::text = 'pending' THEN ${secondsFromNow(delay)} ELSE next_attempt_at END,
      attempt_log = attempt_log || ${entry}::jsonb
    WHERE id = ${delivery.id}::uuid`;
}

export type DeliveryWorker = {
  /** Claims what is due and room allows and starts sending it; resolves with how many were started. */
  tick: () => Promise<number>;
  /** Resolves when every delivery started so far has been recorded. */
  settled: () => Promise<void>;
};

/**
 * Sends deliveries independently: each is recorded as soon as its receiver
 * answers, and the next tick claims more while slow ones are still waiting, so
 * a receiver that hangs until the timeout holds up only its own (at most
 * `perReceiver`) deliveries.
 */
export function createDeliveryWorker(options: {
  retryBaseSeconds: number;
  log?: (line: string) => void;
  policy?: AddressPolicy;
  resolve?: Resolve;
  maxInFlight?: number;
  perReceiver?: number;
}): DeliveryWorker {
  const perReceiver = options.perReceiver ?? MAX_PER_RECEIVER;
  const inFlight = new Map<string, number>();
  const run = async (delivery: ClaimedDelivery) => {
    try {
      const result = await sendDelivery(delivery, { policy: options.policy, resolve: options.resolve });
      await recordAttempt(delivery, result, options.retryBaseSeconds);
    } catch (error) {
      // Not recorded (the database went away): the lease runs out and the attempt is made again.
      options.log?.(`warning: could not record webhook delivery ${delivery.id}: ${(error as Error).message}`);
    } finally {
      const left = (inFlight.get(delivery.receiver) ?? 1) - 1;
      if (left > 0) inFlight.set(delivery.receiver, left);
      else inFlight.delete(delivery.receiver);
    }
  };
  const loop = createClaimLoop<ClaimedDelivery>({
    concurrency: options.maxInFlight ?? MAX_IN_FLIGHT,
    // More may be due while there is room: claim again at once (bounded per tick).
    rounds: 10,
    claim: async (room) => {
      const claimed = await claimDueDeliveries(room, inFlight, perReceiver);
      for (const d of claimed) inFlight.set(d.receiver, (inFlight.get(d.receiver) ?? 0) + 1);
      return claimed;
    },
    run,
  });
  return { tick: loop.tick, settled: loop.settled };
}

/**
 * The worker loop started by scripts/start.ts: a tick every `everyMs`
 * (default 1 s) with the address policy of the environment. Returns a function
 * that stops it (deliveries in flight end within REQUEST_TIMEOUT_MS; an
 * unrecorded one is retried after its lease).
 */
export function startWebhookWorker(options: {
  retryBaseSeconds: number;
  log: (line: string) => void;
  everyMs?: number;
}): () => void {
  const worker = createDeliveryWorker({ retryBaseSeconds: options.retryBaseSeconds, log: options.log });
  return runEvery({
    tick: () => worker.tick(),
    what: "webhook deliveries",
    log: options.log,
    everyMs: options.everyMs,
  });
}

/**
 * Sends a `ping` to one webhook now, through the normal path: queued as a
 * delivery row (already claimed, so no worker sends it too), sent by
 * sendDelivery (address policy, timeout, signature) and recorded in the
 * delivery log. Not retried: the admin who pressed the button sees the result.
 */
export async function sendPing(
  webhook: { id: string; url: string; secret: string; format: WebhookFormat },
  app: { id: string; name: string; bundleId: string },
  options: SendOptions = {},
): Promise<AttemptResult & { deliveryId: string }> {
  const payload: PingPayload = {
    event: "ping",
    app,
    webhook: { id: webhook.id },
    message: `Ferry test delivery for ${app.name}: this webhook works.`,
    occurredAt: new Date().toISOString(),
  };
  const rows = await prisma().$queryRaw<{ id: string }[]>`
    INSERT INTO webhook_deliveries (webhook_id, event, payload, attempts, last_attempt_at, next_attempt_at)
    VALUES (${webhook.id}::uuid, 'ping', ${JSON.stringify(payload)}::jsonb, 1, now(),
            ${secondsFromNow(LEASE_SECONDS)})
    RETURNING id`;
  const deliveryId = rows[0]?.id;
  if (!deliveryId) throw new Error("the test delivery was not queued");
  const result = await sendDelivery(
    {
      id: deliveryId,
      event: "ping",
      payload,
      attempts: 1,
      url: webhook.url,
      secret: webhook.secret,
      format: webhook.format,
    },
    options,
  );
  // attempts = MAX_ATTEMPTS: a failure is final (the admin retries with the button).
  await recordAttempt({ id: deliveryId, attempts: MAX_ATTEMPTS }, result, 60);
  return { ...result, deliveryId };
}
