import type { Actor } from "@/lib/access/actor";
import { authorize } from "@/lib/access/policy";
import { recordChange } from "@/lib/audit/audit";
import { prisma } from "@/lib/db/client";
import { isUniqueViolation } from "@/lib/db/errors";
import { AppError, parseInput } from "@/lib/errors";
import { findGroupById, isGroupMember } from "@/lib/groups/data";
import { createGroupSchema, type NewGroup } from "@/lib/groups/schema";
import { findUserByEmail, findUserById, type UserDto } from "@/lib/users/data";

/** Changes to groups and their members: admin only, audited, the same for every entry point. */

type GroupRef = { id: string; name: string };

async function existingGroup(id: string): Promise<GroupRef> {
  const group = await findGroupById(id);
  if (!group) throw new AppError("not_found", "This group no longer exists: reload the page.");
  return group;
}

export async function createGroup(input: NewGroup, by: Actor): Promise<GroupRef> {
  authorize(by, "group.manage");
  const { name, description } = parseInput(createGroupSchema, input);
  let group: GroupRef;
  try {
    group = await prisma().$transaction(async (tx) => {
      const created = await tx.group.create({
        data: { name, description },
        select: { id: true, name: true },
      });
      await recordChange(tx, by, {
        action: "group.create",
        target: { type: "group", id: created.id },
        details: { name },
      });
      return created;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("conflict", `A group named "${name}" already exists.`);
    throw error;
  }
  return group;
}

export async function deleteGroup(input: { groupId: string }, by: Actor): Promise<GroupRef> {
  authorize(by, "group.manage");
  const group = await existingGroup(input.groupId);
  await prisma().$transaction(async (tx) => {
    await tx.group.deleteMany({ where: { id: group.id } });
    await recordChange(tx, by, {
      action: "group.delete",
      target: { type: "group", id: group.id },
      details: { name: group.name },
    });
  });
  return group;
}

export async function addGroupMember(
  input: { groupId: string; email: string },
  by: Actor,
): Promise<{ group: GroupRef; member: UserDto; changed: boolean }> {
  authorize(by, "group.manage");
  const group = await existingGroup(input.groupId);
  const member = await findUserByEmail(input.email);
  if (!member) throw new AppError("not_found", `No user has the email ${input.email}. Create the user first.`);
  if (await isGroupMember(group.id, member.id)) return { group, member, changed: false };
  await prisma().$transaction(async (tx) => {
    await tx.groupMember.upsert({
      where: { groupId_userId: { groupId: group.id, userId: member.id } },
      create: { groupId: group.id, userId: member.id },
      update: {},
    });
    await recordChange(tx, by, {
      action: "group.member_add",
      target: { type: "group", id: group.id },
      details: { group: group.name, userId: member.id, email: member.email },
    });
  });
  return { group, member, changed: true };
}

export async function removeGroupMember(
  input: { groupId: string; userId: string },
  by: Actor,
): Promise<{ group: GroupRef; member: UserDto | null; changed: boolean }> {
  authorize(by, "group.manage");
  const group = await existingGroup(input.groupId);
  const member = await findUserById(input.userId);
  if (!member || !(await isGroupMember(group.id, member.id))) return { group, member, changed: false };
  await prisma().$transaction(async (tx) => {
    await tx.groupMember.deleteMany({ where: { groupId: group.id, userId: member.id } });
    await recordChange(tx, by, {
      action: "group.member_remove",
      target: { type: "group", id: group.id },
      details: { group: group.name, userId: member.id, email: member.email },
    });
  });
  return { group, member, changed: true };
}
