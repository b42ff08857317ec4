"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { recordAudit } from "@/lib/audit/audit";
import { grantAppToGroup, revokeAppFromGroup, setAppVisibility } from "@/lib/groups/groups";
import { findAppById, findGroupById, isAppGranted } from "@/lib/groups/lookups";
import { type ActionState, formFields, idField, parseForm } from "@/lib/server-actions/action-state";
import { runAction } from "@/lib/server-actions/run-action";

function revalidate(appId: string): void {
  revalidatePath("/admin/apps");
  revalidatePath("/admin/groups");
  revalidatePath("/");
  revalidatePath(`/apps/${appId}`);
}

const grantSchema = z.object({
  appId: z.string().min(1, "Choose an app.").pipe(idField("app")),
  groupId: z.string().min(1, "Choose a group.").pipe(idField("group")),
});

type Grant = {
  app: NonNullable<Awaited<ReturnType<typeof findAppById>>>;
  group: NonNullable<Awaited<ReturnType<typeof findGroupById>>>;
};

async function resolveGrant(formData: FormData): Promise<Grant | { error: string }> {
  const parsed = parseForm(grantSchema, formFields(formData, ["appId", "groupId"]));
  if ("error" in parsed) return { error: parsed.error };
  const [app, group] = await Promise.all([findAppById(parsed.data.appId), findGroupById(parsed.data.groupId)]);
  if (!app) return { error: "This app no longer exists: reload the page." };
  if (!group) return { error: "This group no longer exists: reload the page." };
  return { app, group };
}

/** Gives a group's members access to an app (form fields appId and groupId). */
export async function grantApp(_state: ActionState, formData: FormData): Promise<ActionState> {
  return runAction({ adminOnly: true }, async ({ user: admin, context }) => {
    const resolved = await resolveGrant(formData);
    if ("error" in resolved) return { error: resolved.error };
    const { app, group } = resolved;
    if (await isAppGranted(app.id, group.id)) return { ok: true, message: `${group.name} already has ${app.name}.` };
    await grantAppToGroup(app.id, group.id);
    await recordAudit({
      action: "app.grant",
      actor: admin,
      appId: app.id,
      target: { type: "group", id: group.id },
      context,
      details: { app: app.name, group: group.name },
    });
    revalidate(app.id);
    return { ok: true, message: `Granted ${app.name} to ${group.name}.` };
  });
}

export async function revokeApp(_state: ActionState, formData: FormData): Promise<ActionState> {
  return runAction({ adminOnly: true }, async ({ user: admin, context }) => {
    const resolved = await resolveGrant(formData);
    if ("error" in resolved) return { error: resolved.error };
    const { app, group } = resolved;
    if (!(await isAppGranted(app.id, group.id)))
      return { ok: true, message: `${group.name} no longer has ${app.name}.` };
    await revokeAppFromGroup(app.id, group.id);
    await recordAudit({
      action: "app.revoke",
      actor: admin,
      appId: app.id,
      target: { type: "group", id: group.id },
      context,
      details: { app: app.name, group: group.name },
    });
    revalidate(app.id);
    return { ok: true, message: `Revoked ${app.name} from ${group.name}.` };
  });
}

const visibilitySchema = z.object({
  appId: idField("app"),
  visibility: z.enum(["restricted", "everyone"], {
    message: "Choose who can see the app: its groups only, or everyone signed in.",
  }),
});

export async function changeVisibility(_state: ActionState, formData: FormData): Promise<ActionState> {
  return runAction({ adminOnly: true }, async ({ user: admin, context }) => {
    const parsed = parseForm(visibilitySchema, formFields(formData, ["appId", "visibility"]));
    if ("error" in parsed) return { error: parsed.error };
    const app = await findAppById(parsed.data.appId);
    if (!app) return { error: "This app no longer exists: reload the page." };
    const { visibility } = parsed.data;
    if (app.visibility === visibility) return { ok: true, message: "No change." };
    await setAppVisibility(app.id, visibility);
    await recordAudit({
      action: "app.visibility_change",
      actor: admin,
      appId: app.id,
      target: { type: "app", id: app.id },
      context,
      details: { app: app.name, from: app.visibility, to: visibility },
    });
    revalidate(app.id);
    return {
      ok: true,
      message:
        visibility === "everyone"
          ? `${app.name} is now visible to everyone signed in.`
          : `${app.name} is now visible only to its groups (and admins).`,
    };
  });
}
