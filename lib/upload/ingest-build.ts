import { analyzeBuild } from "@/lib/analysis/analyze-build";
import { sanitizeText } from "@/lib/analysis/sanitize-text";
import { assertMayUpload, getAppFor } from "@/lib/apps/data";
import { type AuditContext, recordAudit } from "@/lib/audit/audit";
import { type BuildDto, createBuildRecord, findBuildBySha256 } from "@/lib/builds/data";
import { AppError } from "@/lib/errors";
import { buildStorageKey, commitBuildFile } from "@/lib/storage/build-files";
import { saveBuildIcons } from "@/lib/storage/icon-files";
import { removeBuildFilesUnlessReferenced } from "@/lib/storage/orphan-files";
import { buildStorage } from "@/lib/storage/storage";
import { asStorageError } from "@/lib/storage/storage-errors";
import { discardTempFile, type ReceivedFile } from "@/lib/upload/receive-upload";
import type { UserDto } from "@/lib/users/data";

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
  /** How the upload arrived (browser session or API token) and from where: for the audit row. */
  via: "session" | "token";
  context: AuditContext;
  notes?: string | null;
  /** The app the uploader meant this build for, if they named one. */
  targetAppId?: string | null;
}): Promise<{ build: BuildDto; created: boolean }> {
  const { file, uploader } = input;
  try {
    const target = input.targetAppId ? await getAppFor(uploader, input.targetAppId) : null;
    if (input.targetAppId && !target) {
      throw new AppError("not_found", `There is no app ${input.targetAppId} that you can upload to.`);
    }
    if (target) await assertMayUpload(uploader, target.bundleId);
    const existing = await findBuildBySha256(uploader, file.sha256);
    if (existing) {
      await assertMayUpload(uploader, existing.bundleId);
      return { build: existing, created: false };
    }

    const { analysis, icon } = await analyzeBuild(file.path);
    const { ipa } = analysis;
    await assertMayUpload(uploader, ipa.bundleId);
    const storage = buildStorage();
    const notes = input.notes?.trim() ? sanitizeText(input.notes.trim()).slice(0, 10_000) : null;
    const storageKey = buildStorageKey(file.sha256);
    let moved = false;
    let result: { build: BuildDto; created: boolean };
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
            }),
          ),
          uploadedById: uploader.id,
        },
        async () => {
          moved = true;
          await saveBuildIcons(storage, file.sha256, icon);
          await commitBuildFile(storage, file.path, file.sha256, file.size);
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
      const { build } = result;
      await recordAudit({
        action: "build.upload",
        actor: uploader,
        appId: build.appId,
        buildId: build.id,
        context: input.context,
        details: { via: input.via, version: build.version, buildNumber: build.buildNumber, sizeBytes: build.sizeBytes },
      });
    }
    return result;
  } catch (error) {
    throw asStorageError(error);
  } finally {
    // Gone already if it was committed; removed here on every other path.
    await discardTempFile(file.path);
  }
}
