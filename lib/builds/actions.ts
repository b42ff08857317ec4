"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { deleteBuild, editBuildNotes } from "@/lib/builds/mutations";
import { promoteBuild, removeBuildFromChannel } from "@/lib/channels/mutations";
import { type ActionState, idField } from "@/lib/server-actions/action-state";
import { runAction } from "@/lib/server-actions/run-action";

function revalidate(appId: string, buildId: string): void {
  revalidatePath(`/apps/${appId}`);
  revalidatePath(`/apps/${appId}/builds/${buildId}`);
  revalidatePath("/");
}

/**
 * Adds the build to a channel (form fields buildId, channel, createChannel).
 * A channel the app does not have yet is created only when the person ticked
 * "create a new channel": a typo must not make a channel everyone sees.
 */
export async function promoteBuildAction(_state: ActionState, formData: FormData): Promise<ActionState> {
  const schema = z.object({ buildId: idField("build"), channel: z.string(), createChannel: z.string() });
  return runAction(
    formData,
    { schema, fields: ["buildId", "channel", "createChannel"] },
    async ({ buildId, channel: name, createChannel }, actor) => {
      const { build, channel, changed, channelCreated } = await promoteBuild(
        { buildId, channel: name, create: createChannel === "on" },
        actor,
      );
      revalidate(build.appId, build.id);
      if (channelCreated) return { ok: true, message: `Created the channel ${channel} and added this build to it.` };
      return { ok: true, message: changed ? `Added to ${channel}.` : `Already in ${channel}.` };
    },
  );
}

/** Takes the build out of a channel (form fields buildId, channel); the build stays. */
export async function removeFromChannelAction(_state: ActionState, formData: FormData): Promise<ActionState> {
  const schema = z.object({ buildId: idField("build"), channel: z.string() });
  return runAction(formData, { schema, fields: ["buildId", "channel"] }, async (input, actor) => {
    const { build, channel } = await removeBuildFromChannel(input, actor);
    revalidate(build.appId, build.id);
    revalidatePath(`/apps/${build.appId}/channels/${channel}`);
    return { ok: true, message: `Removed from ${channel}.` };
  });
}

/** Replaces the release notes (form fields buildId, notes). */
export async function editNotesAction(_state: ActionState, formData: FormData): Promise<ActionState> {
  const schema = z.object({ buildId: idField("build"), notes: z.string() });
  return runAction(formData, { schema, fields: ["buildId", "notes"] }, async (input, actor) => {
    const result = await editBuildNotes(input, actor);
    revalidate(result.appId, result.buildId);
    return { ok: true, message: result.changed ? "Release notes saved." : "No change." };
  });
}

/**
 * Deletes the build (form field buildId), then shows its delete page again,
 * which confirms what was deleted (from the audit row: nothing to forge).
 */
export async function deleteBuildAction(_state: ActionState, formData: FormData): Promise<ActionState> {
  let done: string | null = null;
  const schema = z.object({ buildId: idField("build") });
  const result = await runAction(formData, { schema, fields: ["buildId"] }, async (input, actor) => {
    const deleted = await deleteBuild(input, actor);
    done = `/apps/${deleted.appId}/builds/${deleted.buildId}/delete`;
    revalidate(deleted.appId, deleted.buildId);
    return { ok: true, message: "Build deleted." };
  });
  // Outside runAction: redirect() works by throwing.
  if (result?.ok && done) redirect(done);
  return result;
}
