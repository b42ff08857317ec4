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
): Promise<{ build: BuildDto; created: boolean; channelCreated: string | null }> {
  try {
    const { build: row, channelCreated } = await prisma().$transaction(
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
        const channel = await ensureChannel(tx, app.id, input.channel);
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
            channels: { create: { channelId: channel.id } },
          },
          select: buildSelect,
        });
        // The upload's row commits with the build: no acknowledged build without it.
        if (audit) {
          await tx.auditEvent.create({ data: auditRow({ ...audit, appId: build.appId, buildId: build.id }) });
          if (channel.created) {
            await tx.auditEvent.create({
              data: auditRow({
                ...audit,
                action: "channel.create",
                appId: build.appId,
                buildId: build.id,
                target: { type: "channel", id: `${build.appId}/${channel.name}` },
                details: { app: input.appName, channel: channel.name, via: "upload" },
              }),
            });
          }
        }
        return { build, channelCreated: channel.created ? channel.name : null };
      },
      // Moving a file and fsyncing its directory may take a while on a busy disk.
      { maxWait: 30_000, timeout: 60_000 },
    );
    return { build: toBuildDto(row), created: true, channelCreated };
  } catch (error) {
    if (isUniqueViolation(error)) {
      const existing = await prisma().build.findFirst({
        where: { sha256: input.sha256, app: { bundleId: input.bundleId } },
        select: buildSelect,
      });
      if (existing) return { build: toBuildDto(existing), created: false, channelCreated: null };
    }
    throw error;
  }
}

/**
 * The id of an app's channel `name` (null: its default channel), created on
 * first use; `created` says whether this call created it (for the
 * `channel.create` audit row). Insert-or-skip, so two uploads naming a new
 * channel at once share it and only one of them reports creating it.
 */
export async function ensureChannel(
  tx: Prisma.TransactionClient,
  appId: string,
  name: string | null,
): Promise<{ id: string; name: string; created: boolean }> {
  const existingDefault =
    name === null
      ? await tx.channel.findFirst({ where: { appId, isDefault: true }, select: { id: true, name: true } })
      : null;
  if (existingDefault) return { ...existingDefault, created: false };
  const channelName = name === null ? DEFAULT_CHANNEL : parseInput(channelNameSchema, name);
  // "default" becomes the default channel only if the app has none (it may have renamed its own).
  const isDefault =
    channelName === DEFAULT_CHANNEL && (await tx.channel.count({ where: { appId, isDefault: true } })) === 0;
  const inserted = await tx.channel.createMany({
    data: [{ appId, name: channelName, isDefault }],
    skipDuplicates: true,
  });
  const row = await tx.channel.findUniqueOrThrow({
    where: { appId_name: { appId, name: channelName } },
    select: { id: true, name: true },
  });
  return { ...row, created: inserted.count === 1 };
}
