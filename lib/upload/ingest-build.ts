import fs from "node:fs/promises";
import { analyzeBuild } from "@/lib/analysis/analyze-build";
import { assertMayUpload, getAppFor } from "@/lib/apps/data";
import { type AuditContext, recordAudit } from "@/lib/audit/audit";
import { type BuildDto, createBuildRecord, findBuildBySha256 } from "@/lib/builds/data";
import { env } from "@/lib/config/env";
import { AppError } from "@/lib/errors";
import { commitBuildFile } from "@/lib/storage/build-files";
import { saveBuildIcons } from "@/lib/storage/icon-files";
import type { ReceivedFile } from "@/lib/upload/receive-upload";
import type { UserDto } from "@/lib/users/data";

/**
 * Turns a received upload into a build: identical bytes return the existing
 * build; otherwise the archive is analysed (bad input throws an AppError and
 * stores nothing), the file and icons are moved to their permanent place and
 * only then is the row written, so an acknowledged build always has its files.
 * A new build is audited here, whichever entry point received it.
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
    const existing = await findBuildBySha256(uploader, file.sha256);
    if (existing) return { build: existing, created: false };

    const target = input.targetAppId ? await getAppFor(uploader, input.targetAppId) : null;
    if (input.targetAppId && !target) {
      throw new AppError("not_found", `There is no app ${input.targetAppId} that you can upload to.`);
    }
    const { analysis, icon } = await analyzeBuild(file.path);
    const { ipa } = analysis;
    await assertMayUpload(uploader, ipa.bundleId);
    const dataDir = env().dataDir;
    await saveBuildIcons(dataDir, file.sha256, icon);
    const storageKey = await commitBuildFile(dataDir, file.path, file.sha256);
    const notes = input.notes?.trim() ? input.notes.trim().slice(0, 10_000) : null;
    const result = await createBuildRecord({
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
        JSON.stringify({ ...analysis, uploadedTo: target ? { appId: target.id, bundleId: target.bundleId } : null }),
      ),
      uploadedById: uploader.id,
    });
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
  } finally {
    // Gone already if it was committed; removed here on every other path.
    await fs.rm(file.path, { force: true });
  }
}
