import { prisma } from "@/lib/db/client";
import type { AppVisibility } from "@/lib/generated/prisma/client";

/** Small lookups for admin actions: does the thing a form names exist? */

export async function findGroupById(id: string): Promise<{ id: string; name: string } | null> {
  return prisma().group.findUnique({ where: { id }, select: { id: true, name: true } });
}

export async function findAppById(
  id: string,
): Promise<{ id: string; name: string; bundleId: string; visibility: AppVisibility } | null> {
  return prisma().app.findUnique({ where: { id }, select: { id: true, name: true, bundleId: true, visibility: true } });
}

export async function isGroupMember(groupId: string, userId: string): Promise<boolean> {
  const row = await prisma().groupMember.findUnique({
    where: { groupId_userId: { groupId, userId } },
    select: { userId: true },
  });
  return row !== null;
}

export async function isAppGranted(appId: string, groupId: string): Promise<boolean> {
  const row = await prisma().appGroup.findUnique({
    where: { appId_groupId: { appId, groupId } },
    select: { appId: true },
  });
  return row !== null;
}
