"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { type ActionState, idField } from "@/lib/server-actions/action-state";
import { runAction } from "@/lib/server-actions/run-action";
import { createUpdateKey, revokeUpdateKey } from "@/lib/update-check/mutations";

/** Creates an update key (fields appId, name); the key is shown once in the result. */
export async function createUpdateKeyAction(_state: ActionState, formData: FormData): Promise<ActionState> {
  const schema = z.object({ appId: idField("app"), name: z.string() });
  return runAction(formData, { schema, fields: ["appId", "name"] }, async (input, actor) => {
    const { key, updateKey } = await createUpdateKey(input, actor);
    revalidatePath(`/apps/${input.appId}/update-keys`);
    return { ok: true, message: `Created the update key ${updateKey.name}.`, token: key };
  });
}

export async function revokeUpdateKeyAction(_state: ActionState, formData: FormData): Promise<ActionState> {
  const schema = z.object({ appId: idField("app"), keyId: idField("update key") });
  return runAction(formData, { schema, fields: ["appId", "keyId"] }, async (input, actor) => {
    await revokeUpdateKey(input, actor);
    revalidatePath(`/apps/${input.appId}/update-keys`);
    return { ok: true, message: "Revoked. Update checks with this key now get 401." };
  });
}
