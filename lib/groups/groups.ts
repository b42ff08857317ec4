import { prisma } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { type AppVisibility, Prisma } from "@/lib/generated/prisma/client";

/** Groups, their members and the apps granted to them. Admin-only data: callers check the role. */

export type GroupDto = {
  id: string;
  name: string;
  description: string | null;
  members: { id: string; email: string }[];
  apps: { id: string; name: string; bundleId: string }[];
};

export type AppAccessDto = {
  id: string;
  name: string;
  bundleId: string;
  visibility: AppVisibility;
  groups: { id: string; name: string }[];
  buildCount: number;
};

export async function listGroups(): Promise<GroupDto[]> {
  const rows = await prisma().group.findMany({
    orderBy: { name: "asc" },
    select: {
      id: true,
      name: true,
      description: true,
      members: { select: { user: { select: { id: true, email: true } } }, orderBy: { user: { email: "asc" } } },
      apps: {
        select: { app: { select: { id: true, name: true, bundleId: true } } },
        orderBy: { app: { name: "asc" } },
      },
    },
  });
  return rows.map((g) => ({
    id: g.id,
    name: g.name,
    description: g.description,
    members: g.members.map((m) => m.user),
    apps: g.apps.map((a) => a.app),
  }));
}

export async function createGroup(input: {
  name: string;
  description?: string | null;
}): Promise<{ id: string; name: string }> {
  const name = input.name.trim();
  if (!name) throw new AppError("bad_request", "A group needs a name.");
  try {
    return await prisma().group.create({
      data: { name, description: input.description?.trim() || null },
      select: { id: true, name: true },
    });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      throw new AppError("conflict", `A group named "${name}" already exists.`);
    }
    throw error;
  }
}

export async function deleteGroup(groupId: string): Promise<void> {
  await prisma().group.deleteMany({ where: { id: groupId } });
}

export async function addGroupMember(groupId: string, userId: string): Promise<void> {
  await prisma().groupMember.upsert({
    where: { groupId_userId: { groupId, userId } },
    create: { groupId, userId },
    update: {},
  });
}

export async function removeGroupMember(groupId: string, userId: string): Promise<void> {
  await prisma().groupMember.deleteMany({ where: { groupId, userId } });
}

export async function grantAppToGroup(appId: string, groupId: string): Promise<void> {
  await prisma().appGroup.upsert({
    where: { appId_groupId: { appId, groupId } },
    create: { appId, groupId },
    update: {},
  });
}

export async function revokeAppFromGroup(appId: string, groupId: string): Promise<void> {
  await prisma().appGroup.deleteMany({ where: { appId, groupId } });
}

export async function setAppVisibility(appId: string, visibility: AppVisibility): Promise<void> {
  await prisma().app.update({ where: { id: appId }, data: { visibility } });
}

export async function listAppAccess(): Promise<AppAccessDto[]> {
  const rows = await prisma().app.findMany({
    orderBy: { name: "asc" },
    select: {
      id: true,
      name: true,
      bundleId: true,
      visibility: true,
      groups: { select: { group: { select: { id: true, name: true } } }, orderBy: { group: { name: "asc" } } },
      _count: { select: { builds: true } },
    },
  });
  return rows.map((a) => ({
    id: a.id,
    name: a.name,
    bundleId: a.bundleId,
    visibility: a.visibility,
    groups: a.groups.map((g) => g.group),
    buildCount: a._count.builds,
  }));
}
