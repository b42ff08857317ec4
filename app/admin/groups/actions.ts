"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { recordAudit } from "@/lib/audit/audit";
import {
  addGroupMember,
  createGroup as createGroupRecord,
  deleteGroup as deleteGroupRecord,
  removeGroupMember,
} from "@/lib/groups/groups";
import { findGroupById, isGroupMember } from "@/lib/groups/lookups";
import { type ActionState, formFields, idField, parseForm } from "@/lib/server-actions/action-state";
import { runAction } from "@/lib/server-actions/run-action";
import { findUserByEmail, findUserById } from "@/lib/users/users";

function revalidate(): void {
  revalidatePath("/admin/groups");
  revalidatePath("/admin/users");
  revalidatePath("/admin/apps");
  revalidatePath("/");
}

const createSchema = z.object({
  name: z.string().trim().min(1, "Enter a name for the group.").max(100, "The name must be at most 100 characters."),
  description: z
    .string()
    .trim()
    .max(500, "The description must be at most 500 characters.")
    .transform((v) => v || null),
});

export async function createGroup(_state: ActionState, formData: FormData): Promise<ActionState> {
  return runAction({ adminOnly: true }, async ({ user: admin, context }) => {
    const parsed = parseForm(createSchema, formFields(formData, ["name", "description"]));
    if ("error" in parsed) return { error: parsed.error };
    const group = await createGroupRecord(parsed.data);
    await recordAudit({
      action: "group.create",
      actor: admin,
      target: { type: "group", id: group.id },
      context,
      details: { name: group.name },
    });
    revalidate();
    return { ok: true, message: `Created the group ${group.name}.` };
  });
}

const groupSchema = z.object({ groupId: idField("group") });

export async function deleteGroup(_state: ActionState, formData: FormData): Promise<ActionState> {
  return runAction({ adminOnly: true }, async ({ user: admin, context }) => {
    const parsed = parseForm(groupSchema, formFields(formData, ["groupId"]));
    if ("error" in parsed) return { error: parsed.error };
    const group = await findGroupById(parsed.data.groupId);
    if (!group) return { error: "This group no longer exists: reload the page." };
    await deleteGroupRecord(group.id);
    await recordAudit({
      action: "group.delete",
      actor: admin,
      target: { type: "group", id: group.id },
      context,
      details: { name: group.name },
    });
    revalidate();
    return { ok: true, message: `Deleted the group ${group.name}.` };
  });
}

const addMemberSchema = z.object({
  groupId: idField("group"),
  email: z
    .string()
    .trim()
    .min(1, "Enter the email address of the user to add.")
    .pipe(z.email({ message: "Enter a valid email address, e.g. jane@example.com." })),
});

export async function addMember(_state: ActionState, formData: FormData): Promise<ActionState> {
  return runAction({ adminOnly: true }, async ({ user: admin, context }) => {
    const parsed = parseForm(addMemberSchema, formFields(formData, ["groupId", "email"]));
    if ("error" in parsed) return { error: parsed.error };
    const group = await findGroupById(parsed.data.groupId);
    if (!group) return { error: "This group no longer exists: reload the page." };
    const member = await findUserByEmail(parsed.data.email);
    if (!member) return { error: `No user has the email ${parsed.data.email}. Create the user first.` };
    if (await isGroupMember(group.id, member.id)) {
      return { ok: true, message: `${member.email} is already in ${group.name}.` };
    }
    await addGroupMember(group.id, member.id);
    await recordAudit({
      action: "group.member_add",
      actor: admin,
      target: { type: "group", id: group.id },
      context,
      details: { group: group.name, userId: member.id, email: member.email },
    });
    revalidate();
    return { ok: true, message: `Added ${member.email} to ${group.name}.` };
  });
}

const removeMemberSchema = z.object({ groupId: idField("group"), userId: idField("user") });

export async function removeMember(_state: ActionState, formData: FormData): Promise<ActionState> {
  return runAction({ adminOnly: true }, async ({ user: admin, context }) => {
    const parsed = parseForm(removeMemberSchema, formFields(formData, ["groupId", "userId"]));
    if ("error" in parsed) return { error: parsed.error };
    const group = await findGroupById(parsed.data.groupId);
    if (!group) return { error: "This group no longer exists: reload the page." };
    const member = await findUserById(parsed.data.userId);
    if (!member || !(await isGroupMember(group.id, member.id))) {
      return { ok: true, message: "This user is no longer in the group." };
    }
    await removeGroupMember(group.id, member.id);
    await recordAudit({
      action: "group.member_remove",
      actor: admin,
      target: { type: "group", id: group.id },
      context,
      details: { group: group.name, userId: member.id, email: member.email },
    });
    revalidate();
    return { ok: true, message: `Removed ${member.email} from ${group.name}.` };
  });
}
