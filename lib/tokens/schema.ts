import { z } from "zod";
import { TOKEN_SCOPES } from "@/lib/tokens/scopes";

/** Field rules for API tokens, shared by the settings form, the CLI and the mutations (which parse them). */

export const TOKEN_NAME_MAX_LENGTH = 100;
export const MAX_TOKEN_EXPIRY_DAYS = 3650;

export const tokenNameSchema = z
  .string()
  .trim()
  .min(1, "Give the token a name, e.g. the CI job that uses it.")
  .max(TOKEN_NAME_MAX_LENGTH, `The name must be at most ${TOKEN_NAME_MAX_LENGTH} characters.`);

export const tokenScopeSchema = z.enum(TOKEN_SCOPES, { message: "Unknown scope: choose upload, read and/or sign." });

/** What createApiToken accepts. Without scopes: all the owner's role allows. */
export const createTokenSchema = z.object({
  name: tokenNameSchema,
  scopes: z.array(tokenScopeSchema).optional(),
  expiresAt: z.date().nullable().optional(),
});

/** Days until expiry as typed in a form: empty for never, else 1 to MAX_TOKEN_EXPIRY_DAYS. */
export const expiresInDaysSchema = z
  .string()
  .trim()
  .refine((v) => v === "" || /^\d{1,5}$/.test(v), "The expiry must be a whole number of days.")
  .transform((v) => (v === "" ? null : Number(v)))
  .refine(
    (v) => v === null || (v >= 1 && v <= MAX_TOKEN_EXPIRY_DAYS),
    `The expiry must be between 1 and ${MAX_TOKEN_EXPIRY_DAYS} days.`,
  );

/** The settings form: a name, at least one scope, an optional expiry in days. */
export const createTokenFormSchema = z.object({
  name: tokenNameSchema,
  scopes: z.array(tokenScopeSchema).min(1, "Choose at least one scope."),
  expiresInDays: expiresInDaysSchema,
});
