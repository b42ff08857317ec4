"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { grantApp, revokeApp, setAppVisibility } from "@/lib/apps/mutations";
import { appVisibilitySchema } from "@/lib/apps/schema";
import { type ActionState, idField } from "@/lib/server-actions/action-state";
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

// The admin pages name the other side (a group's name, an app's bundle id or name) rather than list them all.
const optionalId = (what: string) => z.union([z.literal(""), idField(what)]);
const grantByNameSchema = z
  .object({
    appId: optionalId("app"),
    appName: z.string().trim().max(200),
    groupId: optionalId("group"),
    groupName: z.string().trim().max(200),
  })
  .refine((v) => v.appId || v.appName, { message: "Enter an app's bundle id or name." })
  .refine((v) => v.groupId || v.groupName, { message: "Enter a group's name." });

/** Gives a group's members access to an app (form fields appId or appName, and groupId or groupName). */
export async function grantAppAction(_state: ActionState, formData: FormData): Promise<ActionState> {
  const fields = ["appId", "appName", "groupId", "groupName"];
  return runAction(formData, { schema: grantByNameSchema, fields }, async (input, actor) => {
    const { app, group, changed } = await grantApp(input, actor);
    if (!changed) return { ok: true, message: `${group.name} already has ${app.name}.` };
    revalidate(app.id);
    return { ok: true, message: `Granted ${app.name} to ${group.name}.` };
  });
}

export async function revokeAppAction(_state: ActionState, formData: FormData): Promise<ActionState> {
  return runAction(formData, { schema: grantSchema, fields: ["appId", "groupId"] }, async (input, actor) => {
    const { app, group, changed } = await revokeApp(input, actor);
    if (!changed) return { ok: true, message: `${group.name} no longer has ${app.name}.` };
    revalidate(app.id);
    return { ok: true, message: `Revoked ${app.name} from ${group.name}.` };
  });
}

export async function changeVisibilityAction(_state: ActionState, formData: FormData): Promise<ActionState> {
  return runAction(formData, { schema: appVisibilitySchema, fields: ["appId", "visibility"] }, async (input, actor) => {
    const { app, changed } = await setAppVisibility(input, actor);
    if (!changed) return { ok: true, message: "No change." };
    revalidate(app.id);
    return {
      ok: true,
      message:
        input.visibility === "everyone"
          ? `${app.name} is now visible to everyone signed in.`
          : `${app.name} is now visible only to its groups (and admins).`,
    };
  });
}
