"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import type { ActionState } from "@/lib/server-actions/action-state";
import { runAction } from "@/lib/server-actions/run-action";
import { setLocalLogin } from "@/lib/settings/settings";

const schema = z.object({
  localLoginEnabled: z.enum(["on", "off"], { message: "Choose whether email and password sign-in is on or off." }),
});

// The form sends a hidden "off" and, when the box is checked, "on" as well.
function checkbox(formData: FormData): Record<string, string> {
  const values = formData.getAll("localLoginEnabled");
  return { localLoginEnabled: values.includes("on") ? "on" : values.includes("off") ? "off" : "" };
}

export async function saveSignInSettingsAction(_state: ActionState, formData: FormData): Promise<ActionState> {
  return runAction(formData, { schema, fields: checkbox }, async (input, actor) => {
    const enabled = input.localLoginEnabled === "on";
    const { changed } = await setLocalLogin({ enabled }, actor);
    if (!changed) return { ok: true, message: "No change." };
    revalidatePath("/admin/settings");
    return {
      ok: true,
      message: enabled
        ? "Email and password sign-in is on."
        : "Email and password sign-in is off: everyone signs in with single sign-on.",
    };
  });
}
