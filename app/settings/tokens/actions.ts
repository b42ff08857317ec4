"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { type ActionState, idField } from "@/lib/server-actions/action-state";
import { runAction } from "@/lib/server-actions/run-action";
import { createApiToken, revokeApiToken } from "@/lib/tokens/mutations";
import { TOKEN_SCOPES } from "@/lib/tokens/scopes";

const MAX_EXPIRY_DAYS = 3650;

const createSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, "Give the token a name, e.g. the CI job that uses it.")
    .max(100, "The name must be at most 100 characters."),
  scopes: z
    .array(z.enum(TOKEN_SCOPES, { message: "Unknown scope: choose upload, read and/or sign." }))
    .min(1, "Choose at least one scope."),
  expiresInDays: z
    .string()
    .trim()
    .refine((v) => v === "" || /^\d{1,5}$/.test(v), "The expiry must be a whole number of days.")
    .transform((v) => (v === "" ? null : Number(v)))
    .refine(
      (v) => v === null || (v >= 1 && v <= MAX_EXPIRY_DAYS),
      `The expiry must be between 1 and ${MAX_EXPIRY_DAYS} days.`,
    ),
});

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
  return runAction(formData, { schema: createSchema, fields: tokenForm }, async (input, actor) => {
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
