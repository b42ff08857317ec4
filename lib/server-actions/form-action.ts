import type { z } from "zod";
import { type Actor, userActor } from "@/lib/access/actor";
import type { AuditContext } from "@/lib/audit/audit";
import { isAppError } from "@/lib/errors";
import { type ActionState, parseForm } from "@/lib/server-actions/action-state";
import type { UserDto } from "@/lib/users/data";

/** Which form fields an action reads: names of text fields, or a function for anything else (checkbox lists). */
export type FormFields = readonly string[] | ((formData: FormData) => Record<string, unknown>);

/** A form's fields, their schema and what it does: one definition, posted as a server action or as a plain post (lib/server-actions/plain-post.ts). */
export type FormAction<S extends z.ZodType = z.ZodType> = {
  schema: S;
  fields: FormFields;
  run: (input: z.infer<S>, actor: Actor) => Promise<ActionState>;
};

export function formAction<S extends z.ZodType>(
  schema: S,
  fields: FormFields,
  run: (input: z.infer<S>, actor: Actor) => Promise<ActionState>,
): FormAction<S> {
  return { schema, fields, run };
}

/**
 * A form's action for `user` (null: signed out): reads `fields` from the form,
 * validates them with `schema` (the first problem becomes the form's error),
 * then calls `run` with the parsed input and the acting user. Identity comes
 * from the session, never from form fields; policy and audit belong to the
 * domain function `run` calls. Expected failures (AppError) become the form's
 * error; anything else is logged and answered generically.
 */
export async function runFormAs<S extends z.ZodType>(
  user: UserDto | null,
  context: AuditContext,
  formData: FormData,
  action: FormAction<S>,
): Promise<ActionState> {
  if (!user) return { error: "Your session has ended: sign in again." };
  const raw = typeof action.fields === "function" ? action.fields(formData) : textFields(formData, action.fields);
  const parsed = parseForm(action.schema, raw);
  if ("error" in parsed) return { error: parsed.error };
  try {
    return await action.run(parsed.data, userActor(user, context));
  } catch (error) {
    if (isAppError(error)) return { error: error.message };
    console.error("[ferry] form action failed", error);
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
