import { authorize, type Who } from "@/lib/access/policy";
import { prisma } from "@/lib/db/client";
import { isUuid } from "@/lib/db/ids";
import {
  afterTimeCursor,
  encodeTimeCursor,
  PAGE_MAX,
  type Page,
  type PageQuery,
  timeKeyOrder,
  toPage,
} from "@/lib/http/pagination";
import type { WebhookEvent, WebhookFormat } from "@/lib/webhooks/schema";

/**
 * Webhooks and their delivery log. Admin-only reads: callers check the role
 * first (API routes through the mutations' policy, pages with requireAdminPage).
 * The secret never leaves this module except as a hint.
 */

export type WebhookDto = {
  id: string;
  appId: string;
  url: string;
  events: WebhookEvent[];
  format: WebhookFormat;
  enabled: boolean;
  /** The secret's last four characters, e.g. "••••3f9a": enough to tell two apart, useless to sign. */
  secretHint: string;
  createdAt: string;
};

export type DeliveryAttempt = { at: string; status: number | null; error: string | null };

export type WebhookDeliveryDto = {
  id: string;
  webhookId: string;
  event: string;
  status: "pending" | "delivered" | "failed";
  attempts: number;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  responseSnippet: string | null;
  createdAt: string;
  log: DeliveryAttempt[];
};

export function secretHint(secret: string): string {
  return `••••${secret.slice(-4)}`;
}

type WebhookRow = {
  id: string;
  appId: string;
  url: string;
  secret: string;
  events: string[];
  format: string;
  enabled: boolean;
  createdAt: Date;
};

export function webhookDto(row: WebhookRow): WebhookDto {
  return {
    id: row.id,
    appId: row.appId,
    url: row.url,
    events: row.events as WebhookEvent[],
    format: row.format as WebhookFormat,
    enabled: row.enabled,
    secretHint: secretHint(row.secret),
    createdAt: row.createdAt.toISOString(),
  };
}

/** An app's webhooks, oldest first: admins only (403 for anyone else). */
export async function listWebhooksForApp(who: Who, appId: string): Promise<WebhookDto[]> {
  authorize(who, "webhook.read");
  if (!isUuid(appId)) return [];
  const rows = await prisma().webhook.findMany({ where: { appId }, orderBy: { createdAt: "asc" } });
  return rows.map(webhookDto);
}

/** The newest deliveries of an app's webhooks (default the last 50): admins only (403 for anyone else). */
export async function listDeliveriesForApp(who: Who, appId: string, limit = 50): Promise<WebhookDeliveryDto[]> {
  return (await listDeliveriesPageForApp(who, appId, { limit: Math.min(Math.max(limit, 1), PAGE_MAX) })).items;
}

/** One page of an app's deliveries, newest first, keyset on (createdAt, id) (lib/http/pagination.ts): admins only. */
export async function listDeliveriesPageForApp(
  who: Who,
  appId: string,
  page: PageQuery,
): Promise<Page<WebhookDeliveryDto>> {
  authorize(who, "webhook.read");
  if (!isUuid(appId)) return { items: [], nextCursor: null };
  // Each webhook's newest through its own (webhook_id, created_at) index, merged here: one query over
  // the app's deliveries sorted all of them (10,000 for a webhook of the 1-million seed: 150-200 ms).
  const hooks = await prisma().webhook.findMany({ where: { appId }, select: { id: true } });
  const perHook = [];
  // One after another: an app has a few webhooks, and each query is a short index range.
  for (const hook of hooks) {
    perHook.push(
      await prisma().webhookDelivery.findMany({
        where: { AND: [{ webhookId: hook.id }, afterTimeCursor("createdAt", page.cursor)] },
        orderBy: timeKeyOrder("createdAt"),
        take: page.limit + 1,
        omit: { payload: true },
      }),
    );
  }
  const rows = perHook
    .flat()
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .slice(0, page.limit + 1);
  return toPage(
    rows,
    page.limit,
    (row) => encodeTimeCursor({ at: row.createdAt, id: row.id }),
    (row): WebhookDeliveryDto => ({
      id: row.id,
      webhookId: row.webhookId,
      event: row.event,
      status: row.status as WebhookDeliveryDto["status"],
      attempts: row.attempts,
      nextAttemptAt: row.status === "pending" ? row.nextAttemptAt.toISOString() : null,
      lastAttemptAt: row.lastAttemptAt?.toISOString() ?? null,
      lastStatus: row.lastStatus,
      lastError: row.lastError,
      responseSnippet: row.responseSnippet,
      createdAt: row.createdAt.toISOString(),
      log: Array.isArray(row.attemptLog) ? (row.attemptLog as DeliveryAttempt[]) : [],
    }),
  );
}
