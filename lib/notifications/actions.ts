"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { removeWatch } from "@/lib/notifications/mutations";
import { type ActionState, idField } from "@/lib/server-actions/action-state";
import { runAction } from "@/lib/server-actions/run-action";

export async function removeWatchAction(_state: ActionState, formData: FormData): Promise<ActionState> {
  const schema = z.object({ watchId: idField("watch") });
  return runAction(formData, { schema, fields: ["watchId"] }, async (input, actor) => {
    await removeWatch(input, actor);
    revalidatePath("/settings/notifications");
    return { ok: true, message: "No more emails about it." };
  });
}
