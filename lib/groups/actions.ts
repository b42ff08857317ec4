"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { addGroupMember, createGroup, deleteGroup, removeGroupMember } from "@/lib/groups/mutations";
import { createGroupSchema } from "@/lib/groups/schema";
import { type ActionState, idField } from "@/lib/server-actions/action-state";
import { runAction } from "@/lib/server-actions/run-action";
import { emailSchema } from "@/lib/users/schema";

function revalidate(): void {
  revalidatePath("/admin/groups");
  revalidatePath("/admin/groups/[groupId]", "page");
  revalidatePath("/admin/users");
  revalidatePath("/admin/apps");
  revalidatePath("/");
}

export async function createGroupAction(_state: ActionState, formData: FormData): Promise<ActionState> {
  return runAction(formData, { schema: createGroupSchema, fields: ["name", "description"] }, async (input, actor) => {
    const group = await createGroup(input, actor);
    revalidate();
    return { ok: true, message: `Created the group ${group.name}.` };
  });
}

export async function deleteGroupAction(_state: ActionState, formData: FormData): Promise<ActionState> {
  const schema = z.object({ groupId: idField("group") });
  return runAction(formData, { schema, fields: ["groupId"] }, async (input, actor) => {
    const group = await deleteGroup(input, actor);
    revalidate();
    return { ok: true, message: `Deleted the group ${group.name}.` };
  });
}

export async function addMemberAction(_state: ActionState, formData: FormData): Promise<ActionState> {
  const schema = z.object({ groupId: idField("group"), email: emailSchema });
  return runAction(formData, { schema, fields: ["groupId", "email"] }, async (input, actor) => {
    const { group, member, changed } = await addGroupMember(input, actor);
    if (!changed) return { ok: true, message: `${member.email} is already in ${group.name}.` };
    revalidate();
    return { ok: true, message: `Added ${member.email} to ${group.name}.` };
  });
}

export async function removeMemberAction(_state: ActionState, formData: FormData): Promise<ActionState> {
  const schema = z.object({ groupId: idField("group"), userId: idField("user") });
  return runAction(formData, { schema, fields: ["groupId", "userId"] }, async (input, actor) => {
    const { group, member, changed } = await removeGroupMember(input, actor);
    if (!changed || !member) return { ok: true, message: "This user is no longer in the group." };
    revalidate();
    return { ok: true, message: `Removed ${member.email} from ${group.name}.` };
  });
}
