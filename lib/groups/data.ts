import { prisma } from "@/lib/db/client";
import { isUuid } from "@/lib/db/ids";

/** Groups, their members and the apps granted to them. Admin-only data: callers check the role. */

export type GroupDto = {
  id: string;
  name: string;
  description: string | null;
  members: { id: string; email: string }[];
  apps: { id: string; name: string; bundleId: string }[];
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

export async function findGroupById(id: string): Promise<{ id: string; name: string } | null> {
  if (!isUuid(id)) return null;
  return prisma().group.findUnique({ where: { id }, select: { id: true, name: true } });
}

export async function isGroupMember(groupId: string, userId: string): Promise<boolean> {
  const row = await prisma().groupMember.findUnique({
    where: { groupId_userId: { groupId, userId } },
    select: { userId: true },
  });
  return row !== null;
}
