"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { recordAudit } from "@/lib/audit/audit";
import { env } from "@/lib/config/env";
import { type ActionState, parseForm } from "@/lib/server-actions/action-state";
import { runAction } from "@/lib/server-actions/run-action";
import { getSettings, updateSettings } from "@/lib/settings/settings";

const schema = z.object({
  localLoginEnabled: z.enum(["on", "off"], { message: "Choose whether email and password sign-in is on or off." }),
});

export async function saveSignInSettings(_state: ActionState, formData: FormData): Promise<ActionState> {
  return runAction({ adminOnly: true }, async ({ user: admin, context }) => {
    // The form sends a hidden "off" and, when the box is checked, "on" as well.
    const values = formData.getAll("localLoginEnabled");
    const parsed = parseForm(schema, {
      localLoginEnabled: values.includes("on") ? "on" : values.includes("off") ? "off" : "",
    });
    if ("error" in parsed) return { error: parsed.error };
    const enabled = parsed.data.localLoginEnabled === "on";
    if (!enabled && !env().oidc) {
      return {
        error:
          "Email and password sign-in cannot be switched off: single sign-on is not configured (set OIDC_ISSUER and OIDC_CLIENT_ID), so nobody could sign in.",
      };
    }
    const before = await getSettings();
    if (before.localLoginEnabled === enabled) return { ok: true, message: "No change." };
    await updateSettings({ localLoginEnabled: enabled });
    await recordAudit({
      action: "settings.change",
      actor: admin,
      target: { type: "setting", id: "localLoginEnabled" },
      context,
      details: { setting: "localLoginEnabled", from: before.localLoginEnabled, to: enabled },
    });
    revalidatePath("/admin/settings");
    return {
      ok: true,
      message: enabled
        ? "Email and password sign-in is on."
        : "Email and password sign-in is off: everyone signs in with single sign-on.",
    };
  });
}
