import { z } from "zod";
import { GRANT_FORMS } from "@/lib/apps/forms";
import { addGroupMember, createGroup, deleteGroup, removeGroupMember } from "@/lib/groups/mutations";
import { createGroupSchema } from "@/lib/groups/schema";
import { idField } from "@/lib/server-actions/action-state";
import { formAction } from "@/lib/server-actions/form-action";
import type { PageForms } from "@/lib/server-actions/plain-post";
import { rowId } from "@/lib/ui/row-id";
import { emailSchema } from "@/lib/users/schema";

/**
 * The forms of the groups pages (pages/admin/groups/), posted as plain posts
 * (lib/server-actions/plain-post.ts): each its fields, schema and domain call;
 * policy and audit are the mutations' own.
 */

const MEMBER_FORMS = {
  "add-member": formAction(
    z.object({ groupId: idField("group"), email: emailSchema }),
    ["groupId", "email"],
    async (input, actor) => {
      const { group, member, changed } = await addGroupMember(input, actor);
      if (!changed) return { ok: true, message: `${member.email} is already in ${group.name}.` };
      return { ok: true, message: `Added ${member.email} to ${group.name}.` };
    },
  ),
  "remove-member": formAction(
    z.object({ groupId: idField("group"), userId: idField("user") }),
    ["groupId", "userId"],
    async (input, actor) => {
      const { group, member, changed } = await removeGroupMember(input, actor);
      if (!changed || !member) return { ok: true, message: "This user is no longer in the group." };
      return { ok: true, message: `Removed ${member.email} from ${group.name}.` };
    },
  ),
};

/** /admin/groups: a card per group, whose forms all carry its groupId. */
export const GROUP_FORMS = {
  key: "groupId",
  anchor: (id) => rowId("group", id),
  forms: {
    ...MEMBER_FORMS,
    ...GRANT_FORMS,
    "create-group": formAction(createGroupSchema, ["name", "description"], async (input, actor) => {
      const group = await createGroup(input, actor);
      return { ok: true, message: `Created the group ${group.name}.` };
    }),
    "delete-group": formAction(z.object({ groupId: idField("group") }), ["groupId"], async (input, actor) => {
      const group = await deleteGroup(input, actor);
      return { ok: true, message: `Deleted the group ${group.name}.` };
    }),
  },
} satisfies PageForms;

/** /admin/groups/<id>: one group's members, a page at a time. */
export const GROUP_MEMBER_FORMS = { forms: MEMBER_FORMS } satisfies PageForms;
