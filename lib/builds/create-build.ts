import { type AuditInput, auditRow } from "@/lib/audit/audit";
import { type BuildDto, buildSelect, type NewBuild, toBuildDto } from "@/lib/builds/data";
import { channelNameSchema, DEFAULT_CHANNEL } from "@/lib/channels/schema";
import { prisma } from "@/lib/db/client";
import { isUniqueViolation } from "@/lib/db/errors";
import { parseInput } from "@/lib/errors";
import { Prisma } from "@/lib/generated/prisma/client";
import { lockStorageShared } from "@/lib/storage/storage-lock";

/**
 * Storing a new build's row (the upload's last step, lib/upload/ingest-build.ts)
 * and its channel. No policy here: the caller has authorised the upload and
 * passes the build.upload audit entry, written in the same transaction.
 */

/**
 * Creates the app (keyed by bundle id) if needed and the build. Returns
 * `created: false` with the existing build when the same bytes were stored
 * concurrently. `storeFiles` runs inside the transaction, under the shared
 * storage lock (lib/storage/storage-lock.ts), just before the insert: files
 * and row commit together, and no remover can run in between.
 */
export async function createBuildRecord(
  input: NewBuild,
  storeFiles: () => Promise<void> = async () => {},
  audit?: Omit<AuditInput, "appId" | "buildId">,
): Promise<{ build: BuildDto; created: boolean }> {
  try {
    const row = await prisma().$transaction(
      async (tx) => {
        await lockStorageShared(tx);
        await storeFiles();
        const app = await tx.app.upsert({
          where: { bundleId: input.bundleId },
          create: { bundleId: input.bundleId, name: input.appName },
          // Apps with a new build sort first.
          update: { updatedAt: new Date() },
          select: { id: true, name: true, nameLocked: true },
        });
        // The newest build names the app, unless an admin named it.
        if (!app.nameLocked && app.name !== input.appName) {
          await tx.app.update({ where: { id: app.id }, data: { name: input.appName } });
        }
        const channelId = await ensureChannel(tx, app.id, input.channel);
        const build = await tx.build.create({
          data: {
            appId: app.id,
            bundleId: input.bundleId,
            version: input.version,
            buildNumber: input.buildNumber,
            name: input.name,
            minimumOsVersion: input.minimumOsVersion,
            sizeBytes: BigInt(input.sizeBytes),
            sha256: input.sha256,
            storageKey: input.storageKey,
            notes: input.notes,
            metadata: input.metadata,
            codeSignature: input.codeSignature ?? Prisma.DbNull,
            uploadedById: input.uploadedById,
            resignedFromId: input.resignedFromId ?? null,
            channels: { create: { channelId } },
          },
          select: buildSelect,
        });
        // The upload's row commits with the build: no acknowledged build without it.
        if (audit) await tx.auditEvent.create({ data: auditRow({ ...audit, appId: build.appId, buildId: build.id }) });
        return build;
      },
      // Moving a file and fsyncing its directory may take a while on a busy disk.
      { maxWait: 30_000, timeout: 60_000 },
    );
    return { build: toBuildDto(row), created: true };
  } catch (error) {
    if (isUniqueViolation(error)) {
      const existing = await prisma().build.findFirst({
        where: { sha256: input.sha256, app: { bundleId: input.bundleId } },
        select: buildSelect,
      });
      if (existing) return { build: toBuildDto(existing), created: false };
    }
    throw error;
  }
}

/**
 * The id of an app's channel `name` (null: its default channel), created on
 * first use. Upsert, so two uploads naming a new channel at once share it.
 */
export async function ensureChannel(tx: Prisma.TransactionClient, appId: string, name: string | null): Promise<string> {
  if (name === null) {
    const existing = await tx.channel.findFirst({ where: { appId, isDefault: true }, select: { id: true } });
    if (existing) return existing.id;
  }
  const channelName = name === null ? DEFAULT_CHANNEL : parseInput(channelNameSchema, name);
  const row = await tx.channel.upsert({
    where: { appId_name: { appId, name: channelName } },
    create: { appId, name: channelName, isDefault: channelName === DEFAULT_CHANNEL },
    update: {},
    select: { id: true },
  });
  return row.id;
}
