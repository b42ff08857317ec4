import type { Actor } from "@/lib/access/actor";
import { sanitizeText } from "@/lib/analysis/sanitize-text";
import { assertMayPublishToApp } from "@/lib/apps/data";
import { recordChange } from "@/lib/audit/audit";
import { deleteBuildSchema, editNotesSchema, NOTES_MAX_LENGTH } from "@/lib/builds/schema";
import { findBuildForActor } from "@/lib/channels/mutations";
import { prisma } from "@/lib/db/client";
import { parseInput } from "@/lib/errors";
import { removeBuildFilesUnlessReferenced } from "@/lib/storage/orphan-files";
import { buildStorage } from "@/lib/storage/storage";

/** Changes to builds: release notes and deletion. Admins and the app's uploaders; audited. */

/** Notes as stored: trimmed, control characters removed, bounded; empty means none. */
export function normalizeNotes(notes: string | null | undefined): string | null {
  const trimmed = notes?.trim();
  return trimmed ? sanitizeText(trimmed).slice(0, NOTES_MAX_LENGTH) : null;
}

export async function editBuildNotes(
  input: { buildId: string; notes: string },
  by: Actor,
): Promise<{ buildId: string; appId: string; notes: string | null; changed: boolean }> {
  const { buildId, notes: raw } = parseInput(editNotesSchema, input);
  const build = await findBuildForActor(by, buildId);
  await assertMayPublishToApp(by, build.appId, "build.edit");
  const notes = normalizeNotes(raw);
  const current = await prisma().build.findUnique({ where: { id: build.id }, select: { notes: true } });
  if ((current?.notes ?? null) === notes) return { buildId: build.id, appId: build.appId, notes, changed: false };
  await prisma().$transaction(async (tx) => {
    await tx.build.updateMany({ where: { id: build.id }, data: { notes } });
    await recordChange(tx, by, {
      action: "build.notes_edit",
      appId: build.appId,
      buildId: build.id,
      target: { type: "build", id: build.id },
      details: { version: build.version, buildNumber: build.buildNumber, length: notes?.length ?? 0 },
    });
  });
  return { buildId: build.id, appId: build.appId, notes, changed: true };
}

/**
 * Deletes a build: its row (and so its channel memberships) at once, so its
 * install links answer 404 from then on, then its .ipa and icons unless
 * another build row holds the same bytes.
 */
export async function deleteBuild(
  input: { buildId: string },
  by: Actor,
  reason: "request" | "retention" = "request",
): Promise<{ buildId: string; appId: string }> {
  const { buildId } = parseInput(deleteBuildSchema, input);
  const build = await findBuildForActor(by, buildId);
  await assertMayPublishToApp(by, build.appId, "build.delete");
  await removeBuildRows([build], by, reason);
  return { buildId: build.id, appId: build.appId };
}

/** Removes rows, each with its audit row, then their files (policy was checked by the caller). */
export async function removeBuildRows(
  builds: { id: string; appId: string; sha256: string; version: string; buildNumber: string }[],
  by: Actor,
  reason: "request" | "retention",
): Promise<number> {
  let removed = 0;
  for (const build of builds) {
    const deleted = await prisma().$transaction(async (tx) => {
      // Named in the audit row (and so in the confirmation afterwards): the rows go with the build.
      const channels = await tx.buildChannel.findMany({
        where: { buildId: build.id },
        orderBy: { channel: { name: "asc" } },
        select: { channel: { select: { name: true } }, build: { select: { name: true } } },
      });
      const { count } = await tx.build.deleteMany({ where: { id: build.id } });
      if (count === 0) return false; // deleted meanwhile by someone else
      await recordChange(tx, by, {
        action: "build.delete",
        appId: build.appId,
        buildId: build.id,
        target: { type: "build", id: build.id },
        details: {
          version: build.version,
          buildNumber: build.buildNumber,
          sha256: build.sha256,
          reason,
          name: channels[0]?.build.name ?? null,
          channels: channels.map((c) => c.channel.name),
        },
      });
      return true;
    });
    if (!deleted) continue;
    removed += 1;
    await removeBuildFilesUnlessReferenced(buildStorage(), build.sha256).catch((error: unknown) => {
      // The row is gone, so the periodic orphan sweep removes the files later.
      console.error("[ferry] could not remove the files of a deleted build", error);
    });
  }
  return removed;
}
