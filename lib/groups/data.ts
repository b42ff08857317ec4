import { authorize, type Who } from "@/lib/access/policy";
import { prisma } from "@/lib/db/client";
import { isUuid } from "@/lib/db/ids";
import { decodeCursor, encodeCursor, type Page, type PageQuery, toPage } from "@/lib/http/pagination";

/** Groups, their members and the apps granted to them. Admin-only data: callers check the role. */

export type GroupDto = {
  id: string;
  name: string;
  description: string | null;
  /** The first MEMBERS_SHOWN members by email; memberCount says how many there are. */
  members: { id: string; email: string }[];
  memberCount: number;
  apps: { id: string; name: string; bundleId: string }[];
};

export async function listGroups(): Promise<GroupDto[]> {
  return (await groupRows({})).map(toGroupDto);
}

/** How many members a group's card lists: a company's group can hold thousands (issue 21). */
export const MEMBERS_SHOWN = 10;

export async function countGroups(): Promise<number> {
  return prisma().group.count();
}

/** The group named exactly `name` (names are unique): the "add a group" inputs take a name, not a list of every group. */
export async function findGroupByName(name: string): Promise<{ id: string; name: string } | null> {
  return prisma().group.findUnique({ where: { name: name.trim() }, select: { id: true, name: true } });
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
      members: {
        select: { user: { select: { id: true, email: true } } },
        orderBy: { user: { email: "asc" } },
        take: MEMBERS_SHOWN,
      },
      _count: { select: { members: true } },
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
    memberCount: g._count.members,
    apps: g.apps.map((a) => a.app),
  };
}

export type GroupMemberDto = { id: string; email: string };

/**
 * One page of a group's members by email (the card's order; emails are unique, so the email alone is the key),
 * optionally those whose email starts with `emailPrefix`, with how many match; null when there is no such group.
 * Admins only: a group's member list says who may install what.
 */
export async function listGroupMembersPage(
  who: Who,
  groupId: string,
  page: PageQuery,
  emailPrefix = "",
): Promise<(Page<GroupMemberDto> & { group: { id: string; name: string }; total: number }) | null> {
  authorize(who, "group.manage");
  const group = await findGroupById(groupId);
  if (!group) return null;
  const after = page.cursor ? decodeCursor(page.cursor, 1)[0] : undefined;
  const prefix = emailPrefix.trim();
  const email = prefix ? { startsWith: prefix, mode: "insensitive" as const } : undefined;
  const [rows, total] = await Promise.all([
    prisma().user.findMany({
      where: {
        groups: { some: { groupId: group.id } },
        AND: [email ? { email } : {}, after === undefined ? {} : { email: { gt: after } }],
      },
      orderBy: { email: "asc" },
      take: page.limit + 1,
      select: { id: true, email: true },
    }),
    prisma().groupMember.count({ where: { groupId: group.id, ...(email ? { user: { email } } : {}) } }),
  ]);
  return { ...toPage(rows, page.limit, (row) => encodeCursor([row.email])), group, total };
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
