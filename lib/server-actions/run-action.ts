import { headers } from "next/headers";
import type { z } from "zod";
import { type Actor, userActor } from "@/lib/access/actor";
import { currentUser } from "@/lib/auth/session";
import { isAppError } from "@/lib/errors";
import { requestContext } from "@/lib/http/request-context";
import { type ActionState, parseForm } from "@/lib/server-actions/action-state";

/** Which form fields an action reads: names of text fields, or a function for anything else (checkbox lists). */
export type FormFields = readonly string[] | ((formData: FormData) => Record<string, unknown>);

/**
 * Runs a server action for the signed-in user: reads `fields` from the form,
 * validates them with `schema` (the first problem becomes the form's error),
 * then calls `body` with the parsed input and the acting user. Identity comes
 * from the session, never from form fields; policy and audit belong to the
 * domain function `body` calls. Expected failures (AppError) become the
 * form's error; anything else is logged and answered generically.
 */
export async function runAction<S extends z.ZodType>(
  formData: FormData,
  options: { schema: S; fields: FormFields },
  body: (input: z.infer<S>, actor: Actor) => Promise<ActionState>,
): Promise<ActionState> {
  const user = await currentUser();
  if (!user) return { error: "Your session has ended: sign in again." };
  const raw = typeof options.fields === "function" ? options.fields(formData) : textFields(formData, options.fields);
  const parsed = parseForm(options.schema, raw);
  if ("error" in parsed) return { error: parsed.error };
  try {
    return await body(parsed.data, userActor(user, requestContext(await headers())));
  } catch (error) {
    if (isAppError(error)) return { error: error.message };
    console.error("[ferry] server action failed", error);
    return { error: "Something went wrong on our side. Please try again; details are in the server log." };
  }
}

/** The named text fields of a form as a plain object ("" when missing; files are ignored). */
function textFields(formData: FormData, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = formData.get(name);
    out[name] = typeof value === "string" ? value : "";
  }
  return out;
}
