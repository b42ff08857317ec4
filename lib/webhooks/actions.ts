"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import type { ActionState } from "@/lib/server-actions/action-state";
import { idField } from "@/lib/server-actions/action-state";
import { runAction } from "@/lib/server-actions/run-action";
import {
  createWebhook,
  deleteWebhook,
  describeTestResult,
  sendTestWebhook,
  setWebhookEnabled,
} from "@/lib/webhooks/mutations";
import { WEBHOOK_EVENTS, WEBHOOK_FORMATS } from "@/lib/webhooks/schema";

const refSchema = z.object({ appId: idField("app"), webhookId: idField("webhook") });

/** Creates a webhook (fields appId, url, secret, format, events[]); the secret is shown once in the result. */
export async function createWebhookAction(_state: ActionState, formData: FormData): Promise<ActionState> {
  // Field rules live in createWebhookSchema (the mutation parses again); here only the form's shape.
  const schema = z.object({
    appId: idField("app"),
    url: z.string(),
    secret: z.string(),
    format: z.enum(WEBHOOK_FORMATS, { message: "Choose a format." }),
    // Its rules (at least one) are createWebhookSchema's: only the type here.
    events: z.array(z.enum(WEBHOOK_EVENTS)),
  });
  const fields = (form: FormData) => ({
    appId: form.get("appId"),
    url: form.get("url"),
    secret: form.get("secret") ?? "",
    format: form.get("format") ?? "json",
    events: form.getAll("events"),
  });
  return runAction(formData, { schema, fields }, async (input, actor) => {
    const { secret } = await createWebhook(input, actor);
    revalidatePath(`/admin/apps/${input.appId}/webhooks`);
    return { ok: true, message: "Webhook added. Its signing secret is shown once:", token: secret };
  });
}

export async function deleteWebhookAction(_state: ActionState, formData: FormData): Promise<ActionState> {
  return runAction(formData, { schema: refSchema, fields: ["appId", "webhookId"] }, async (input, actor) => {
    await deleteWebhook(input, actor);
    revalidatePath(`/admin/apps/${input.appId}/webhooks`);
    return { ok: true, message: "Webhook deleted." };
  });
}

export async function setWebhookEnabledAction(_state: ActionState, formData: FormData): Promise<ActionState> {
  const schema = refSchema.extend({ enabled: z.enum(["true", "false"]) });
  return runAction(formData, { schema, fields: ["appId", "webhookId", "enabled"] }, async (input, actor) => {
    const { changed } = await setWebhookEnabled({ ...input, enabled: input.enabled === "true" }, actor);
    revalidatePath(`/admin/apps/${input.appId}/webhooks`);
    return { ok: true, message: changed ? (input.enabled === "true" ? "Enabled." : "Disabled.") : "No change." };
  });
}

/** "Send test": a ping through the normal delivery path; the receiver's answer is the form's message. */
export async function sendTestWebhookAction(_state: ActionState, formData: FormData): Promise<ActionState> {
  return runAction(formData, { schema: refSchema, fields: ["appId", "webhookId"] }, async (input, actor) => {
    const result = await sendTestWebhook(input, actor);
    revalidatePath(`/admin/apps/${input.appId}/webhooks`);
    return result.ok ? { ok: true, message: describeTestResult(result) } : { error: describeTestResult(result) };
  });
}
