"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { type ActionState, idField } from "@/lib/server-actions/action-state";
import { runAction } from "@/lib/server-actions/run-action";
import {
  changeUserRole,
  createUser,
  disableUser,
  enableUser,
  revokeUserSessions,
  setUserPassword,
} from "@/lib/users/mutations";
import { newUserSchema, passwordSchema, roleSchema } from "@/lib/users/schema";

function revalidate(): void {
  revalidatePath("/admin/users");
  revalidatePath("/admin/groups");
}

function article(role: string): string {
  return role === "admin" || role === "uploader" ? "an" : "a";
}

const userSchema = z.object({ userId: idField("user") });

export async function createUserAction(_state: ActionState, formData: FormData): Promise<ActionState> {
  return runAction(
    formData,
    { schema: newUserSchema, fields: ["email", "name", "role", "password"] },
    async (input, actor) => {
      const created = await createUser(input, actor);
      revalidate();
      return {
        ok: true,
        message: input.password
          ? `Created ${created.email}. They can sign in with the password you set.`
          : `Created ${created.email}. Without a password they can sign in only with single sign-on.`,
      };
    },
  );
}

export async function changeRoleAction(_state: ActionState, formData: FormData): Promise<ActionState> {
  const schema = z.object({ userId: idField("user"), role: roleSchema });
  return runAction(formData, { schema, fields: ["userId", "role"] }, async (input, actor) => {
    const { user, changed } = await changeUserRole(input, actor);
    if (changed) revalidate();
    return {
      ok: true,
      message: `${user.email} ${changed ? "is now" : "is already"} ${article(input.role)} ${input.role}.`,
    };
  });
}

export async function disableUserAction(_state: ActionState, formData: FormData): Promise<ActionState> {
  return runAction(formData, { schema: userSchema, fields: ["userId"] }, async (input, actor) => {
    const { user, changed } = await disableUser(input, actor);
    if (!changed) return { ok: true, message: `${user.email} is already disabled.` };
    revalidate();
    return {
      ok: true,
      message: `Disabled ${user.email}: signed out everywhere, API tokens and install links revoked.`,
    };
  });
}

export async function enableUserAction(_state: ActionState, formData: FormData): Promise<ActionState> {
  return runAction(formData, { schema: userSchema, fields: ["userId"] }, async (input, actor) => {
    const { user, changed } = await enableUser(input, actor);
    if (!changed) return { ok: true, message: `${user.email} is already active.` };
    revalidate();
    return { ok: true, message: `Enabled ${user.email}. Their old API tokens and install links stay revoked.` };
  });
}

export async function signOutEverywhereAction(_state: ActionState, formData: FormData): Promise<ActionState> {
  return runAction(formData, { schema: userSchema, fields: ["userId"] }, async (input, actor) => {
    const { user, tokensRevoked } = await revokeUserSessions(input, actor);
    revalidate();
    const tokens = tokensRevoked === 1 ? "1 API token" : `${tokensRevoked} API tokens`;
    return {
      ok: true,
      message: `Signed ${user.email} out everywhere: their install links stopped working and ${tokens} revoked.`,
    };
  });
}

export async function setPasswordAction(_state: ActionState, formData: FormData): Promise<ActionState> {
  const schema = z.object({ userId: idField("user"), password: passwordSchema });
  return runAction(formData, { schema, fields: ["userId", "password"] }, async (input, actor) => {
    const { user } = await setUserPassword(input, actor);
    revalidate();
    return { ok: true, message: `Password set for ${user.email}.` };
  });
}
