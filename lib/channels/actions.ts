"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { deleteChannel, renameChannel } from "@/lib/channels/mutations";
import { type ActionState, idField } from "@/lib/server-actions/action-state";
import { runAction } from "@/lib/server-actions/run-action";

/** The server actions of an app's channels page (app/apps/[appId]/channels/page.tsx). */

function revalidate(appId: string): void {
  revalidatePath(`/apps/${appId}`);
  revalidatePath(`/apps/${appId}/channels`);
  revalidatePath("/admin/apps");
  revalidatePath("/");
}

/** Renames a channel (fields appId, channel, name). */
export async function renameChannelAction(_state: ActionState, formData: FormData): Promise<ActionState> {
  const schema = z.object({ appId: idField("app"), channel: z.string(), name: z.string() });
  return runAction(formData, { schema, fields: ["appId", "channel", "name"] }, async (input, actor) => {
    const result = await renameChannel(input, actor);
    if (!result.changed) return { ok: true, message: "No change." };
    revalidate(result.appId);
    return { ok: true, message: `Renamed ${result.from} to ${result.to}.` };
  });
}

/**
 * Deletes a channel (fields appId, channel, moveTo: where builds in no other
 * channel go), then shows the channels page saying so (its row, and the form's
 * own message, are gone).
 */
export async function deleteChannelAction(_state: ActionState, formData: FormData): Promise<ActionState> {
  let done: string | null = null;
  const schema = z.object({ appId: idField("app"), channel: z.string(), moveTo: z.string() });
  const result = await runAction(formData, { schema, fields: ["appId", "channel", "moveTo"] }, async (input, actor) => {
    const deleted = await deleteChannel({ ...input, moveTo: input.moveTo || null }, actor);
    revalidate(deleted.appId);
    const query = new URLSearchParams({ deleted: deleted.channel, moved: String(deleted.buildsMoved) });
    if (deleted.moveTo) query.set("to", deleted.moveTo);
    done = `/apps/${deleted.appId}/channels?${query}`;
    return { ok: true };
  });
  // Outside runAction: redirect() works by throwing.
  if (result?.ok && done) redirect(done);
  return result;
}
