"use server";

import { isAppError } from "@/lib/errors";
import { unsubscribeWithToken } from "@/lib/notifications/mutations";
import type { ActionState } from "@/lib/server-actions/action-state";

/** The email link's confirm button: the signed token is the authorization (no session needed). */
export async function unsubscribeAction(_state: ActionState, formData: FormData): Promise<ActionState> {
  const token = formData.get("token");
  try {
    const { all } = await unsubscribeWithToken(typeof token === "string" ? token : "");
    return {
      ok: true,
      message: all
        ? "Done: you no longer watch anything, so Ferry sends you no more emails."
        : "Done: you no longer get emails about it.",
    };
  } catch (error) {
    if (isAppError(error)) return { error: error.message };
    console.error("[ferry] unsubscribe failed", error);
    return { error: "Something went wrong on our side. Please try again." };
  }
}
