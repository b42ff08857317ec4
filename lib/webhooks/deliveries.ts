import { createHmac } from "node:crypto";
import { DEFAULT_CHANNEL } from "@/lib/channels/schema";
import { env } from "@/lib/config/env";
import { prisma } from "@/lib/db/client";
import { buildPageUrl, channelPageUrl } from "@/lib/install-links/urls";
import type { WebhookEvent, WebhookFormat } from "@/lib/webhooks/schema";

/**
 * Delivering webhooks. Events are queued as rows (`webhook_deliveries`) in the
 * request that caused them, then sent by a worker loop that any number of
 * instances may run: each claims due rows with FOR UPDATE SKIP LOCKED and
 * moves them out of reach for a lease while it sends, so every attempt is made
 * once, and a crash mid-send only means a retry after the lease.
 */

/** Attempts before a delivery is marked failed (with the default 60 s base: retries over about half an hour). */
export const MAX_ATTEMPTS = 6;
/** Per request; a slow receiver counts as a failed attempt. */
export const REQUEST_TIMEOUT_MS = 10_000;
/** A claimed row is retried after this if its instance died while sending. */
const LEASE_SECONDS = 60;
const SNIPPET_CHARS = 500;
const MAX_DELAY_SECONDS = 6 * 3600;

export type WebhookPayload = {
  event: WebhookEvent;
  app: { id: string; name: string; bundleId: string };
  build: { id: string; version: string; buildNumber: string; channel: string };
  pageUrl: string;
  channelLatestUrl: string;
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
  return Math.min(baseSeconds * 2 ** Math.max(attempts - 1, 0), MAX_DELAY_SECONDS);
}

/** `sha256=<hex HMAC-SHA256 of the raw body>`, the X-Ferry-Signature header. */
export function signatureHeader(secret: string, rawBody: string): string {
  return `sha256=${createHmac("sha256", secret).update(rawBody).digest("hex")}`;
}

/** The text of the Slack/Teams message. */
export function slackText(payload: WebhookPayload): string {
  const { app, build } = payload;
  const what = payload.event === "build.promoted" ? `promoted to *${build.channel}*` : `uploaded to *${build.channel}*`;
  return `*${app.name}* ${build.version} (${build.buildNumber}) ${what}: <${payload.pageUrl}|open the build> · <${payload.channelLatestUrl}|latest in ${build.channel}>`;
}

/** The exact bytes sent (and signed) for a payload in a webhook's format. */
export function deliveryBody(payload: WebhookPayload, format: WebhookFormat): string {
  return JSON.stringify(format === "slack" ? { text: slackText(payload) } : payload);
}

export type ClaimedDelivery = {
  id: string;
  event: string;
  payload: WebhookPayload;
  attempts: number;
  url: string;
  secret: string;
  format: WebhookFormat;
};

/**
 * Claims up to `limit` due deliveries of enabled webhooks: counts the attempt
 * and pushes next_attempt_at a lease ahead in the same statement, so another
 * worker (skipping the locked rows now, the leased ones after commit) never
 * sends the same attempt.
 */
export async function claimDueDeliveries(limit = 10): Promise<ClaimedDelivery[]> {
  return prisma().$queryRaw<ClaimedDelivery[]>`
    UPDATE webhook_deliveries d
    SET attempts = d.attempts + 1,
        last_attempt_at = now(),
        next_attempt_at = now() + make_interval(secs => ${LEASE_SECONDS}::double precision)
    FROM webhooks w
    WHERE w.id = d.webhook_id AND d.id IN (
      SELECT dd.id FROM webhook_deliveries dd JOIN webhooks ww ON ww.id = dd.webhook_id
      WHERE dd.status = 'pending' AND dd.next_attempt_at <= now() AND ww.enabled
      ORDER BY dd.next_attempt_at
      LIMIT ${limit}::int
      FOR UPDATE OF dd SKIP LOCKED)
    RETURNING d.id, d.event, d.payload, d.attempts, w.url, w.secret, w.format`;
}

export type AttemptResult = { ok: boolean; status: number | null; error: string | null; snippet: string | null };

/** One POST: bounded by REQUEST_TIMEOUT_MS, redirects not followed (a 3xx is a failure), 2xx is success. */
export async function sendDelivery(delivery: ClaimedDelivery): Promise<AttemptResult> {
  const body = deliveryBody(delivery.payload, delivery.format);
  try {
    const response = await fetch(delivery.url, {
      method: "POST",
      redirect: "manual",
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      headers: {
        "content-type": "application/json",
        "user-agent": "Ferry-Webhooks/1",
        "x-ferry-event": delivery.event,
        "x-ferry-delivery": delivery.id,
        "x-ferry-signature": signatureHeader(delivery.secret, body),
      },
      body,
    });
    const snippet = await readSnippet(response);
    const ok = response.status >= 200 && response.status < 300;
    return { ok, status: response.status, error: ok ? null : `HTTP ${response.status}`, snippet };
  } catch (error) {
    const name = (error as Error).name;
    const message = name === "TimeoutError" ? `no answer within ${REQUEST_TIMEOUT_MS / 1000} s` : errorText(error);
    return { ok: false, status: null, error: message.slice(0, 300), snippet: null };
  }
}

function errorText(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

/** The start of the answer, for the log; reading stops there (bounded memory). */
async function readSnippet(response: Response): Promise<string | null> {
  if (!response.body) return null;
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    while (text.length < SNIPPET_CHARS) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // A body cut short still leaves what arrived.
  } finally {
    await reader.cancel().catch(() => {});
  }
  return text ? text.slice(0, SNIPPET_CHARS) : null;
}

/** Writes an attempt's outcome: delivered, retried after the backoff, or failed after MAX_ATTEMPTS. */
export async function recordAttempt(
  delivery: Pick<ClaimedDelivery, "id" | "attempts">,
  result: AttemptResult,
  retryBaseSeconds: number,
): Promise<void> {
  const status = result.ok ? "delivered" : delivery.attempts >= MAX_ATTEMPTS ? "failed" : "pending";
  const delay = retryDelaySeconds(delivery.attempts, retryBaseSeconds);
  const entry = JSON.stringify([{ at: new Date().toISOString(), status: result.status, error: result.error }]);
  await prisma().$executeRaw`
    UPDATE webhook_deliveries SET
      status = ${status}::text,
      last_status = ${result.status},
      last_error = ${result.error},
      response_snippet = ${result.snippet},
      next_attempt_at = CASE WHEN ${status}::text = 'pending' THEN now() + make_interval(secs => ${delay}::double precision) ELSE next_attempt_at END,
      attempt_log = attempt_log || ${entry}::jsonb
    WHERE id = ${delivery.id}::uuid`;
}

/** One round: claims due deliveries and sends them in parallel. Returns how many were attempted. */
export async function runDeliveryRound(options: { retryBaseSeconds: number; limit?: number }): Promise<number> {
  const claimed = await claimDueDeliveries(options.limit ?? 10);
  await Promise.all(
    claimed.map(async (delivery) => recordAttempt(delivery, await sendDelivery(delivery), options.retryBaseSeconds)),
  );
  return claimed.length;
}

/**
 * The worker loop started by scripts/start.ts: a round every `everyMs`
 * (default 1 s), never two at once in this process. Returns a function that stops it.
 */
export function startWebhookWorker(options: {
  retryBaseSeconds: number;
  log: (line: string) => void;
  everyMs?: number;
}): () => void {
  let running = false;
  let failing = false;
  const run = async () => {
    if (running) return;
    running = true;
    try {
      // A full batch: more may be due, so go on at once (bounded per tick).
      for (let round = 0; round < 10; round++) {
        if ((await runDeliveryRound({ retryBaseSeconds: options.retryBaseSeconds })) < 10) break;
      }
      failing = false;
    } catch (error) {
      // Logged once per outage, not every second.
      if (!failing) options.log(`warning: webhook deliveries failed: ${(error as Error).message}`);
      failing = true;
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void run(), options.everyMs ?? 1000);
  timer.unref();
  return () => clearInterval(timer);
}
