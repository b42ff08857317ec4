import { randomBytes } from "node:crypto";
import { type Actor, actorUserId } from "@/lib/access/actor";
import { authorize } from "@/lib/access/policy";
import { findAppById } from "@/lib/apps/data";
import { recordChange } from "@/lib/audit/audit";
import { prisma } from "@/lib/db/client";
import { AppError, parseInput } from "@/lib/errors";
import { checkWebhookUrl, webhookAddressPolicy } from "@/lib/webhooks/address-policy";
import { type WebhookDto, webhookDto } from "@/lib/webhooks/data";
import { type AttemptResult, sendPing } from "@/lib/webhooks/deliveries";
import {
  type CreateWebhookInput,
  createWebhookSchema,
  type WebhookFormat,
  webhookRefSchema,
} from "@/lib/webhooks/schema";

/** Changes to webhooks: admin only, audited (the secret never goes into the audit row). */

async function requireApp(appId: string) {
  const app = await findAppById(appId);
  if (!app) throw new AppError("not_found", "No such app.");
  return app;
}

/**
 * Creates a webhook. Returns the secret once (generated when none was given):
 * it is stored to sign deliveries but never shown again. The URL must pass the
 * address policy (lib/webhooks/address-policy.ts).
 */
export async function createWebhook(
  input: CreateWebhookInput,
  by: Actor,
): Promise<{ webhook: WebhookDto; secret: string }> {
  authorize(by, "webhook.manage");
  const parsed = parseInput(createWebhookSchema, input);
  // Refused addresses are refused here already (deliveries check again, resolved).
  const checked = checkWebhookUrl(parsed.url, webhookAddressPolicy());
  if (!checked.ok) throw new AppError("bad_request", checked.problem);
  const app = await requireApp(parsed.appId);
  const secret = parsed.secret ?? randomBytes(24).toString("hex");
  const row = await prisma().$transaction(async (tx) => {
    const created = await tx.webhook.create({
      data: {
        appId: app.id,
        // Stored as parsed: the URL admins see is the one delivered to (`http:/\host` reads `http://host/`).
        url: checked.url.href,
        secret,
        events: [...new Set(parsed.events)],
        format: parsed.format,
        createdById: actorUserId(by),
      },
    });
    await recordChange(tx, by, {
      action: "webhook.create",
      appId: app.id,
      target: { type: "webhook", id: created.id },
      details: { app: app.name, url: created.url, events: created.events, format: created.format },
    });
    return created;
  });
  return { webhook: webhookDto(row), secret };
}

async function findWebhook(input: { appId: string; webhookId: string }) {
  const { appId, webhookId } = parseInput(webhookRefSchema, input);
  const row = await prisma().webhook.findFirst({ where: { id: webhookId, appId } });
  if (!row) throw new AppError("not_found", "No such webhook: it may have been deleted already.");
  return row;
}

/** Deletes a webhook and its delivery log (pending deliveries are dropped). */
export async function deleteWebhook(input: { appId: string; webhookId: string }, by: Actor): Promise<void> {
  authorize(by, "webhook.manage");
  const row = await findWebhook(input);
  await prisma().$transaction(async (tx) => {
    await tx.webhook.delete({ where: { id: row.id } });
    await recordChange(tx, by, {
      action: "webhook.delete",
      appId: row.appId,
      target: { type: "webhook", id: row.id },
      details: { url: row.url },
    });
  });
}

/** Pauses or resumes a webhook; while disabled, no event is queued and queued deliveries wait. */
export async function setWebhookEnabled(
  input: { appId: string; webhookId: string; enabled: boolean },
  by: Actor,
): Promise<{ webhook: WebhookDto; changed: boolean }> {
  authorize(by, "webhook.manage");
  const row = await findWebhook(input);
  if (row.enabled === input.enabled) return { webhook: webhookDto(row), changed: false };
  const updated = await prisma().$transaction(async (tx) => {
    const changed = await tx.webhook.update({ where: { id: row.id }, data: { enabled: input.enabled } });
    await recordChange(tx, by, {
      action: input.enabled ? "webhook.enable" : "webhook.disable",
      appId: row.appId,
      target: { type: "webhook", id: row.id },
      details: { url: row.url },
    });
    return changed;
  });
  return { webhook: webhookDto(updated), changed: true };
}

/**
 * "Send test": a `ping` delivered now through the normal delivery path (see
 * sendPing); returns the receiver's answer (status, or the error). Audited.
 */
export async function sendTestWebhook(
  input: { appId: string; webhookId: string },
  by: Actor,
): Promise<AttemptResult & { deliveryId: string }> {
  authorize(by, "webhook.manage");
  const row = await findWebhook(input);
  const app = await requireApp(row.appId);
  const result = await sendPing(
    { id: row.id, url: row.url, secret: row.secret, format: row.format as WebhookFormat },
    { id: app.id, name: app.name, bundleId: app.bundleId },
  );
  // Nothing in the database changes but the delivery log: the row is written on its own.
  await recordChange(prisma(), by, {
    action: "webhook.test",
    appId: row.appId,
    target: { type: "webhook", id: row.id },
    details: { url: row.url, ok: result.ok, status: result.status, error: result.error },
  });
  return result;
}

/** The result of a test delivery in one sentence, for the admin page. */
export function describeTestResult(result: AttemptResult): string {
  if (result.ok) return `Test delivered: the receiver answered HTTP ${result.status}.`;
  return result.status !== null
    ? `Test failed: the receiver answered HTTP ${result.status}.`
    : `Test failed: ${result.error ?? "no answer"}.`;
}
