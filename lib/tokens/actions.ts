"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { type ActionState, idField } from "@/lib/server-actions/action-state";
import { runAction } from "@/lib/server-actions/run-action";
import { createApiToken, revokeApiToken } from "@/lib/tokens/mutations";
import { createTokenFormSchema } from "@/lib/tokens/schema";

function tokenForm(formData: FormData): Record<string, unknown> {
  const text = (name: string) => {
    const value = formData.get(name);
    return typeof value === "string" ? value : "";
  };
  return {
    name: text("name"),
    expiresInDays: text("expiresInDays"),
    scopes: formData.getAll("scopes").filter((v) => typeof v === "string"),
  };
}

/** Creates an API token for the signed-in user; its secret is returned once, here, and never again. */
export async function createTokenAction(_state: ActionState, formData: FormData): Promise<ActionState> {
  return runAction(formData, { schema: createTokenFormSchema, fields: tokenForm }, async (input, actor) => {
    if (actor.kind !== "user") return { error: "Your session has ended: sign in again." };
    const expiresAt = input.expiresInDays === null ? null : new Date(Date.now() + input.expiresInDays * 86_400_000);
    const { token, apiToken } = await createApiToken(
      { owner: actor.user, name: input.name, scopes: input.scopes, expiresAt },
      actor,
    );
    revalidatePath("/settings/tokens");
    return { ok: true, token, message: `Created the token ${apiToken.name}.` };
  });
}

export async function revokeTokenAction(_state: ActionState, formData: FormData): Promise<ActionState> {
  const schema = z.object({ tokenId: idField("token") });
  return runAction(formData, { schema, fields: ["tokenId"] }, async (input, actor) => {
    await revokeApiToken(input, actor);
    revalidatePath("/settings/tokens");
    return { ok: true, message: "Revoked. Requests with this token now get 401." };
  });
}
