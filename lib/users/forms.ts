import { z } from "zod";
import { idField } from "@/lib/server-actions/action-state";
import { formAction } from "@/lib/server-actions/form-action";
import type { PageForms } from "@/lib/server-actions/plain-post";
import { rowId } from "@/lib/ui/row-id";
import {
  changeUserRole,
  createUser,
  disableUser,
  enableUser,
  revokeUserSessions,
  setUserPassword,
} from "@/lib/users/mutations";
import { newUserSchema, passwordSchema, roleSchema } from "@/lib/users/schema";

/**
 * The forms of the users page (pages/admin/users.tsx), posted as plain posts
 * (lib/server-actions/plain-post.ts): each its fields, schema and domain call;
 * policy and audit are the mutations' own. `_action` names them in the page.
 */

function article(role: string): string {
  return role === "admin" || role === "uploader" ? "an" : "a";
}

const userSchema = z.object({ userId: idField("user") });

export const USER_FORMS = {
  key: "userId",
  anchor: (id) => rowId("user", id),
  forms: {
    "create-user": formAction(newUserSchema, ["email", "name", "role", "password"], async (input, actor) => {
      const created = await createUser(input, actor);
      return {
        ok: true,
        message: input.password
          ? `Created ${created.email}. They can sign in with the password you set.`
          : `Created ${created.email}. Without a password they can sign in only with single sign-on.`,
      };
    }),
    "change-role": formAction(
      z.object({ userId: idField("user"), role: roleSchema }),
      ["userId", "role"],
      async (input, actor) => {
        const { user, changed } = await changeUserRole(input, actor);
        return {
          ok: true,
          message: `${user.email} ${changed ? "is now" : "is already"} ${article(input.role)} ${input.role}.`,
        };
      },
    ),
    "disable-user": formAction(userSchema, ["userId"], async (input, actor) => {
      const { user, changed } = await disableUser(input, actor);
      if (!changed) return { ok: true, message: `${user.email} is already disabled.` };
      return {
        ok: true,
        message: `Disabled ${user.email}: signed out everywhere, API tokens and install links revoked.`,
      };
    }),
    "enable-user": formAction(userSchema, ["userId"], async (input, actor) => {
      const { user, changed } = await enableUser(input, actor);
      if (!changed) return { ok: true, message: `${user.email} is already active.` };
      return { ok: true, message: `Enabled ${user.email}. Their old API tokens and install links stay revoked.` };
    }),
    "sign-out-everywhere": formAction(userSchema, ["userId"], async (input, actor) => {
      const { user, tokensRevoked } = await revokeUserSessions(input, actor);
      const tokens = tokensRevoked === 1 ? "1 API token" : `${tokensRevoked} API tokens`;
      return {
        ok: true,
        message: `Signed ${user.email} out everywhere: their install links stopped working and ${tokens} revoked.`,
      };
    }),
    "set-password": formAction(
      z.object({ userId: idField("user"), password: passwordSchema }),
      ["userId", "password"],
      async (input, actor) => {
        const { user } = await setUserPassword(input, actor);
        return { ok: true, message: `Password set for ${user.email}.` };
      },
    ),
  },
} satisfies PageForms;

export type UserFormName = keyof typeof USER_FORMS.forms;
