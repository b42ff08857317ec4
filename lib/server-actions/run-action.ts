import { headers } from "next/headers";
import type { z } from "zod";
import type { Actor } from "@/lib/access/actor";
import { currentUser } from "@/lib/auth/session";
import { requestContext } from "@/lib/http/request-context";
import type { ActionState } from "@/lib/server-actions/action-state";
import { type FormFields, runFormAs } from "@/lib/server-actions/form-action";

/** Runs a server action (runFormAs) for the session's user. */
export async function runAction<S extends z.ZodType>(
  formData: FormData,
  options: { schema: S; fields: FormFields },
  body: (input: z.infer<S>, actor: Actor) => Promise<ActionState>,
): Promise<ActionState> {
  const user = await currentUser();
  return runFormAs(user, requestContext(await headers()), formData, { ...options, run: body });
}
