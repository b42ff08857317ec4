"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { setAppRetention, setDefaultChannel, updateAppDetails } from "@/lib/apps/mutations";
import { setChannelAccess } from "@/lib/channels/mutations";
import { applyRetention, previewRetentionFor } from "@/lib/retention/retention";
import { type ActionState, idField } from "@/lib/server-actions/action-state";
import { runAction } from "@/lib/server-actions/run-action";
import { formatBytes } from "@/lib/ui/format";

function revalidate(appId: string): void {
  revalidatePath("/admin/apps");
  revalidatePath(`/apps/${appId}`);
  revalidatePath("/");
}

/** Display name and description (fields appId, name, description). */
export async function updateAppDetailsAction(_state: ActionState, formData: FormData): Promise<ActionState> {
  const schema = z.object({ appId: idField("app"), name: z.string(), description: z.string() });
  return runAction(formData, { schema, fields: ["appId", "name", "description"] }, async (input, actor) => {
    const { app, changed } = await updateAppDetails(input, actor);
    if (changed) revalidate(app.id);
    return { ok: true, message: changed ? "Saved." : "No change." };
  });
}

/** The default channel (fields appId, channelId: empty is automatic). */
export async function defaultChannelAction(_state: ActionState, formData: FormData): Promise<ActionState> {
  const schema = z.object({
    appId: z.string(),
    channelId: z
      .string()
      .trim()
      .transform((v) => (v === "" ? null : v)),
  });
  return runAction(formData, { schema, fields: ["appId", "channelId"] }, async (input, actor) => {
    const { app, channel, changed } = await setDefaultChannel(input, actor);
    if (changed) revalidate(app.id);
    if (!changed) return { ok: true, message: "No change." };
    return {
      ok: true,
      message: channel
        ? `Saved: ${channel}'s newest build leads.`
        : "Saved: production, else default, else the newest build leads.",
    };
  });
}

/**
 * Retention (fields appId, keep: empty keeps everything; intent "preview" only
 * lists what would go, "save" stores the setting and applies it now).
 */
export async function retentionAction(_state: ActionState, formData: FormData): Promise<ActionState> {
  const schema = z.object({
    appId: idField("app"),
    keep: z
      .string()
      .trim()
      .transform((v) => (v === "" ? null : Number(v))),
    intent: z.enum(["preview", "save"]),
  });
  return runAction(formData, { schema, fields: ["appId", "keep", "intent"] }, async (input, actor) => {
    if (input.intent === "preview") {
      if (input.keep === null) return { ok: true, message: "Keeping every build: nothing would be deleted." };
      const doomed = await previewRetentionFor({ appId: input.appId, keep: input.keep }, actor);
      if (doomed.length === 0) return { ok: true, message: `Keeping ${input.keep} per channel deletes nothing.` };
      const bytes = doomed.reduce((sum, b) => sum + b.sizeBytes, 0);
      const list = doomed.map((b) => `${b.version} (${b.buildNumber})`).join(", ");
      return {
        ok: true,
        tone: "warning",
        message: `Saving this would delete ${doomed.length} build(s), ${formatBytes(bytes)}, and their install links: ${list}. Nothing is deleted until you save.`,
      };
    }
    const { app } = await setAppRetention({ appId: input.appId, keepPerChannel: input.keep }, actor);
    const removed = input.keep === null ? 0 : await applyRetention({ appId: app.id, by: actor });
    revalidate(app.id);
    if (removed === null) return { ok: true, message: "Saved; another instance is applying retention right now." };
    return { ok: true, message: `Saved; ${removed} build(s) deleted.` };
  });
}

/** Who sees a channel (fields appId, channel, groupId… checkboxes; none: inherit the app's access). */
export async function channelAccessAction(_state: ActionState, formData: FormData): Promise<ActionState> {
  const schema = z.object({
    appId: idField("app"),
    channel: z.string(),
    groupIds: z.array(z.string()),
    addGroupName: z.string().optional(),
  });
  // groupId: the kept groups' checkboxes; addGroupName: one more by name (the page lists no other group).
  const fields = (data: FormData) => ({
    appId: data.get("appId") ?? "",
    channel: data.get("channel") ?? "",
    groupIds: data.getAll("groupId").filter((v): v is string => typeof v === "string"),
    addGroupName: typeof data.get("addGroupName") === "string" ? data.get("addGroupName") : undefined,
  });
  return runAction(formData, { schema, fields }, async (input, actor) => {
    const result = await setChannelAccess(input, actor);
    revalidate(input.appId);
    return {
      ok: true,
      message: result.restricted
        ? `${result.channel} is restricted to ${result.groups.map((g) => g.name).join(", ")}.`
        : `${result.channel} now follows the app's access.`,
    };
  });
}
