import { z } from "zod";

/**
 * What every admin / settings server action returns to its `useActionState`
 * form: success (optionally with a message, or the one-time secret of a new
 * API token), or a sentence to show next to the form.
 */
export type ActionState =
  /** `tone: "warning"`: a success that is a caution (e.g. what a retention setting would delete). */
  { ok: true; message?: string; token?: string; tone?: "warning" } | { ok?: undefined; error: string } | null;

/** Parses a form with `schema`; the first problem becomes the error shown to the user. */
export function parseForm<T extends z.ZodType>(
  schema: T,
  input: Record<string, unknown>,
): { data: z.infer<T> } | { error: string } {
  const result = schema.safeParse(input);
  if (result.success) return { data: result.data };
  const issue = result.error.issues[0];
  return { error: issue?.message ?? "Please check the form and try again." };
}

/** A uuid from a hidden input: it names *what* to change, never *who* is changing it. */
export const idField = (what: string) => z.uuid({ message: `Unknown ${what}: reload the page and try again.` });
