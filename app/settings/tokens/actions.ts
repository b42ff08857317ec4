"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { canUploadAtAll } from "@/lib/access/app-access";
import { recordAudit } from "@/lib/audit/audit";
import { createApiToken, revokeApiToken, type TokenScope } from "@/lib/auth/api-tokens";
import { type ActionState, formFields, idField, parseForm } from "@/lib/server-actions/action-state";
import { runAction } from "@/lib/server-actions/run-action";

const MAX_EXPIRY_DAYS = 3650;

const createSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, "Give the token a name, e.g. the CI job that uses it.")
    .max(100, "The name must be at most 100 characters."),
  scopes: z
    .array(z.enum(["upload", "read"], { message: "Unknown scope: choose upload and/or read." }))
    .min(1, "Choose at least one scope.")
    .transform((scopes) => [...new Set(scopes)] as TokenScope[]),
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

/** Creates an API token for the signed-in user; its secret is returned once, here, and never again. */
export async function createToken(_state: ActionState, formData: FormData): Promise<ActionState> {
  return runAction({ adminOnly: false }, async ({ user, context }) => {
    const parsed = parseForm(createSchema, {
      ...formFields(formData, ["name", "expiresInDays"]),
      scopes: formData.getAll("scopes").filter((v) => typeof v === "string"),
    });
    if ("error" in parsed) return { error: parsed.error };
    const { name, scopes, expiresInDays } = parsed.data;
    if (scopes.includes("upload") && !canUploadAtAll(user)) {
      return { error: "Members can create read-only tokens: only uploaders and admins can upload builds." };
    }
    const expiresAt = expiresInDays === null ? null : new Date(Date.now() + expiresInDays * 86_400_000);
    const { token, apiToken } = await createApiToken({ userId: user.id, name, scopes, expiresAt });
    await recordAudit({
      action: "token.create",
      actor: user,
      target: { type: "api_token", id: apiToken.id },
      context,
      details: { name: apiToken.name, scopes, expiresAt: expiresAt?.toISOString() ?? null },
    });
    revalidatePath("/settings/tokens");
    return { ok: true, token, message: `Created the token ${apiToken.name}.` };
  });
}

const revokeSchema = z.object({ tokenId: idField("token") });

export async function revokeToken(_state: ActionState, formData: FormData): Promise<ActionState> {
  return runAction({ adminOnly: false }, async ({ user, context }) => {
    const parsed = parseForm(revokeSchema, formFields(formData, ["tokenId"]));
    if ("error" in parsed) return { error: parsed.error };
    // Scoped to the signed-in user: another user's token id simply matches nothing.
    const revoked = await revokeApiToken(user.id, parsed.data.tokenId);
    if (!revoked) return { error: "This token is not yours or is already revoked: reload the page." };
    await recordAudit({
      action: "token.revoke",
      actor: user,
      target: { type: "api_token", id: parsed.data.tokenId },
      context,
    });
    revalidatePath("/settings/tokens");
    return { ok: true, message: "Revoked. Requests with this token now get 401." };
  });
}
