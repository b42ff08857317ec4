import { userActor } from "@/lib/access/actor";
import { analyzeBuild } from "@/lib/analysis/analyze-build";
import { assertMayUpload, getAppFor } from "@/lib/apps/data";
import type { AuditContext } from "@/lib/audit/audit";
import { createBuildRecord } from "@/lib/builds/create-build";
import { type BuildDto, buildAsSeenBy, findBuildBySha256 } from "@/lib/builds/data";
import { normalizeNotes } from "@/lib/builds/mutations";
import { assertChannelExists, assertMayAddToChannel } from "@/lib/channels/data";
import { promoteBuild } from "@/lib/channels/mutations";
import { channelNameSchema, DEFAULT_CHANNEL } from "@/lib/channels/schema";
import { AppError, parseInput } from "@/lib/errors";
import { enqueueBuildNotifications } from "@/lib/notifications/outbox";
import { buildStorageKey, commitBuildFile } from "@/lib/storage/build-files";
import { saveBuildIcons } from "@/lib/storage/icon-files";
import { removeBuildFilesUnlessReferenced } from "@/lib/storage/orphan-files";
import { buildStorage } from "@/lib/storage/storage";
import { asStorageError } from "@/lib/storage/storage-errors";
import { discardTempFile, type ReceivedFile } from "@/lib/upload/receive-upload";
import type { UserDto } from "@/lib/users/data";
import { verifyForStorage } from "@/lib/verify/verify-for-storage";
import { enqueueBuildCreated } from "@/lib/webhooks/deliveries";

/**
 * Turns a received upload into a build. Rights come first: a named target app
 * must be one the uploader may publish to, and identical bytes return the
 * existing build only if the uploader may publish to its app. Otherwise the
 * archive is analysed (bad input throws an AppError and stores nothing), and
 * the file and icons are stored (moved into DATA_DIR or uploaded to the bucket)
 * inside the transaction that writes the row, before it commits: if anything fails after the move, the files
 * are removed again unless another row references the same bytes. A new
 * build is audited here, whichever entry point received it.
 */
export async function ingestBuild(input: {
  file: ReceivedFile;
  uploader: UserDto;
  /** How the upload arrived (browser session, API token, or made by a re-sign job) and from where: for the audit row. */
  via: "session" | "token" | "resign";
  context: AuditContext;
  notes?: string | null;
  /** The app the uploader meant this build for, if they named one. */
  targetAppId?: string | null;
  /** The channel to publish to; none: the app's default channel. */
  channel?: string | null;
  /**
   * Whether a channel the app does not have yet may be created (audited as
   * `channel.create`). Default true: CI scripts written before kept working.
   * The upload page sends false unless the person confirmed the new name.
   */
  createChannel?: boolean;
  /** A re-signed build: its original and the job that made it (kept in the build's metadata). */
  resign?: { fromBuildId: string; jobId: string } | null;
}): Promise<IngestResult> {
  const { file, uploader } = input;
  try {
    const channel = input.channel?.trim() ? parseInput(channelNameSchema, input.channel) : null;
    const target = input.targetAppId ? await getAppFor(uploader, input.targetAppId) : null;
    if (input.targetAppId && !target) {
      throw new AppError("not_found", `There is no app ${input.targetAppId} that you can upload to.`);
    }
    if (target) await assertMayUpload(uploader, target.bundleId);
    const existing = await findBuildBySha256(uploader, file.sha256);
    if (existing) {
      await assertMayUpload(uploader, existing.bundleId);
      return await acceptDuplicate(existing, { ...input, channel });
    }

    // The signature is verified alongside the analysis (both read the archive; inflating runs off the main thread).
    const [{ analysis, icon }, codeSignature] = await Promise.all([
      analyzeBuild(file.path),
      verifyForStorage(file.path),
    ]);
    const { ipa } = analysis;
    await assertMayUpload(uploader, ipa.bundleId);
    await assertMayAddToChannel(uploader, { bundleId: ipa.bundleId }, channel);
    if (channel !== null && input.createChannel === false) {
      await assertChannelExists(uploader, { bundleId: ipa.bundleId }, channel, ipa.displayName);
    }
    const storage = buildStorage();
    const notes = normalizeNotes(input.notes);
    const storageKey = buildStorageKey(file.sha256);
    // Its final fsync ran while the archive was analysed; nothing is stored or acknowledged before it ends.
    await file.durable;
    let moved = false;
    let result: Awaited<ReturnType<typeof createBuildRecord>>;
    try {
      if (storage.kind === "s3") {
        // An upload to a bucket may take minutes: done before the transaction,
        // then confirmed under the storage lock below (a no-op unless swept meanwhile).
        moved = true;
        await saveBuildIcons(storage, file.sha256, icon);
        await commitBuildFile(storage, file.path, file.sha256, file.size);
      }
      result = await createBuildRecord(
        {
          bundleId: ipa.bundleId,
          appName: ipa.displayName,
          version: ipa.version,
          buildNumber: ipa.buildNumber,
          name: ipa.displayName,
          minimumOsVersion: ipa.minimumOSVersion,
          sizeBytes: file.size,
          sha256: file.sha256,
          storageKey,
          notes,
          metadata: JSON.parse(
            JSON.stringify({
              ...analysis,
              uploadedTo: target ? { appId: target.id, bundleId: target.bundleId } : null,
              ...(input.resign ? { resign: input.resign } : {}),
            }),
          ),
          codeSignature: codeSignature ? JSON.parse(JSON.stringify(codeSignature)) : null,
          uploadedById: uploader.id,
          resignedFromId: input.resign?.fromBuildId ?? null,
          channel,
        },
        async () => {
          moved = true;
          await saveBuildIcons(storage, file.sha256, icon);
          await commitBuildFile(storage, file.path, file.sha256, file.size);
        },
        {
          action: "build.upload",
          actor: uploader,
          context: input.context,
          details: {
            via: input.via,
            version: ipa.version,
            buildNumber: ipa.buildNumber,
            sizeBytes: file.size,
            channel: channel ?? DEFAULT_CHANNEL,
            ...(input.resign ? { resignedFrom: input.resign.fromBuildId, jobId: input.resign.jobId } : {}),
          },
        },
      );
    } catch (error) {
      if (moved) {
        await removeBuildFilesUnlessReferenced(storage, file.sha256).catch((cleanupError: unknown) => {
          // The periodic orphan sweep removes them later.
          console.error("[ferry] could not remove the files of a failed upload", cleanupError);
        });
      }
      throw error;
    }
    if (result.created) {
      await enqueueBuildCreated(result.build);
      await enqueueBuildNotifications(result.build, result.build.channels);
    }
    if (!result.created) return await acceptDuplicate(result.build, { ...input, channel });
    return {
      build: result.build,
      created: true,
      channelsCreated: result.channelCreated ? [result.channelCreated] : [],
    };
  } catch (error) {
    throw asStorageError(error);
  } finally {
    // Gone already if it was committed; removed here on every other path.
    await discardTempFile(file.path);
  }
}

export type IngestResult = {
  build: BuildDto;
  created: boolean;
  /** Channels this upload created (the API answers them, so a typo shows in CI's log). */
  channelsCreated: string[];
  /** For a re-upload of stored bytes: what happened to its notes and channel, in words, for the response. */
  notice?: { notesIgnored: boolean; addedToChannel: string | null; message: string };
};

/**
 * The same bytes were stored before: the existing build is the answer. Notes
 * that differ are not applied silently (the response says so and how to edit
 * them); a named channel the build is not in yet gets it (a promotion).
 */
async function acceptDuplicate(
  existing: BuildDto,
  input: {
    uploader: UserDto;
    context: AuditContext;
    notes?: string | null;
    channel: string | null;
    createChannel?: boolean;
  },
): Promise<IngestResult> {
  // Read as the uploader: a build stored concurrently, or only in channels they cannot see, was read unscoped.
  const seen = await buildAsSeenBy(input.uploader, existing);
  const { visible } = seen;
  let build = seen.build;
  const notes = normalizeNotes(input.notes);
  // Notes they cannot see are not compared: the answer must not tell whether a guess matched them.
  const notesIgnored = notes !== null && (!visible || notes !== build.notes);
  let addedToChannel: string | null = null;
  const channelsCreated: string[] = [];
  if (visible && input.channel && !build.channels.includes(input.channel)) {
    try {
      const promoted = await promoteBuild(
        { buildId: existing.id, channel: input.channel, create: input.createChannel !== false },
        userActor(input.uploader, input.context),
      );
      if (promoted.changed) addedToChannel = input.channel;
      if (promoted.channelCreated) channelsCreated.push(input.channel);
    } catch (error) {
      // Deleted or hidden meanwhile: report it unchanged.
      if (!(error instanceof AppError && error.code === "not_found")) throw error;
    }
    if (addedToChannel) build = (await buildAsSeenBy(input.uploader, existing)).build;
  }
  const parts = [
    visible
      ? "These exact bytes were uploaded before: this is the existing build."
      : "These exact bytes were uploaded before, to channels you cannot see: ask an admin for access.",
  ];
  if (notesIgnored) {
    parts.push(
      "Its release notes were NOT changed to the ones you sent; edit them on the build page or with PATCH /api/v1/builds/{buildId}.",
    );
  }
  if (addedToChannel) parts.push(`It was added to the channel "${addedToChannel}".`);
  return {
    build,
    created: false,
    channelsCreated,
    notice: { notesIgnored, addedToChannel, message: parts.join(" ") },
  };
}
