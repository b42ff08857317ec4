"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { deleteBuild, editBuildNotes } from "@/lib/builds/mutations";
import { promoteBuild } from "@/lib/channels/mutations";
import { type ActionState, idField } from "@/lib/server-actions/action-state";
import { runAction } from "@/lib/server-actions/run-action";

function revalidate(appId: string, buildId: string): void {
  revalidatePath(`/apps/${appId}`);
  revalidatePath(`/apps/${appId}/builds/${buildId}`);
  revalidatePath("/");
}

/** Adds the build to a channel (form fields buildId, channel). */
export async function promoteBuildAction(_state: ActionState, formData: FormData): Promise<ActionState> {
  const schema = z.object({ buildId: idField("build"), channel: z.string() });
  return runAction(formData, { schema, fields: ["buildId", "channel"] }, async (input, actor) => {
    const { build, channel, changed } = await promoteBuild(input, actor);
    revalidate(build.appId, build.id);
    return { ok: true, message: changed ? `Added to ${channel}.` : `Already in ${channel}.` };
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

/** Deletes the build (form field buildId), then shows the app's page. */
export async function deleteBuildAction(_state: ActionState, formData: FormData): Promise<ActionState> {
  let appId: string | null = null;
  const schema = z.object({ buildId: idField("build") });
  const result = await runAction(formData, { schema, fields: ["buildId"] }, async (input, actor) => {
    const deleted = await deleteBuild(input, actor);
    appId = deleted.appId;
    revalidate(deleted.appId, deleted.buildId);
    return { ok: true, message: "Build deleted." };
  });
  // Outside runAction: redirect() works by throwing.
  if (result?.ok && appId) redirect(`/apps/${appId}`);
  return result;
}
