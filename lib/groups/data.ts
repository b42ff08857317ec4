import { prisma } from "@/lib/db/client";
import { isUuid } from "@/lib/db/ids";
import { decodeCursor, encodeCursor, type Page, type PageQuery, toPage } from "@/lib/http/pagination";

/** Groups, their members and the apps granted to them. Admin-only data: callers check the role. */

export type GroupDto = {
  id: string;
  name: string;
  description: string | null;
  members: { id: string; email: string }[];
  apps: { id: string; name: string; bundleId: string }[];
};

export async function listGroups(): Promise<GroupDto[]> {
  return (await groupRows({})).map(toGroupDto);
}

/** Every group's id, name and member count, without the members (the grant choices on the admin's Apps page). */
export async function listGroupOptions(): Promise<{ id: string; name: string; memberCount: number }[]> {
  const rows = await prisma().group.findMany({
    orderBy: { name: "asc" },
    select: { id: true, name: true, _count: { select: { members: true } } },
  });
  return rows.map((g) => ({ id: g.id, name: g.name, memberCount: g._count.members }));
}

/** One page of groups by name (keyset on the unique name: lib/http/pagination.ts), with how many there are. */
export async function listGroupsPage(page: PageQuery): Promise<Page<GroupDto> & { total: number }> {
  const after = page.cursor ? decodeCursor(page.cursor, 1)[0] : undefined;
  const [rows, total] = await Promise.all([groupRows({ after, take: page.limit + 1 }), prisma().group.count()]);
  return { ...toPage(rows, page.limit, (row) => encodeCursor([row.name]), toGroupDto), total };
}

async function groupRows(page: { after?: string; take?: number }) {
  return prisma().group.findMany({
    where: page.after === undefined ? {} : { name: { gt: page.after } },
    orderBy: { name: "asc" },
    take: page.take,
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
}

function toGroupDto(g: Awaited<ReturnType<typeof groupRows>>[number]): GroupDto {
  return {
    id: g.id,
    name: g.name,
    description: g.description,
    members: g.members.map((m) => m.user),
    apps: g.apps.map((a) => a.app),
  };
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
