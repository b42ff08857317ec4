import fs from "node:fs/promises";
import { type BuildDto, createBuildRecord, findBuildBySha256 } from "@/lib/builds/builds";
import { env } from "@/lib/config/env";
import { analyzeIpa } from "@/lib/ipa/analyze-ipa";
import { commitBuildFile } from "@/lib/storage/build-files";
import type { ReceivedFile } from "@/lib/storage/receive-upload";
import type { UserDto } from "@/lib/users/users";

/**
 * Turns a received upload into a build: identical bytes return the existing
 * build; otherwise the archive is analysed (bad input throws an AppError and
 * stores nothing), the file is moved to its permanent place and only then is
 * the row written, so an acknowledged build always has its file.
 */
export async function ingestBuild(input: {
  file: ReceivedFile;
  uploader: UserDto;
  notes?: string | null;
}): Promise<{ build: BuildDto; created: boolean }> {
  const { file, uploader } = input;
  try {
    const existing = await findBuildBySha256(uploader, file.sha256);
    if (existing) return { build: existing, created: false };

    const info = await analyzeIpa(file.path);
    const storageKey = await commitBuildFile(env().dataDir, file.path, file.sha256);
    const notes = input.notes?.trim() ? input.notes.trim().slice(0, 10_000) : null;
    return await createBuildRecord({
      bundleId: info.bundleId,
      appName: info.displayName,
      version: info.version,
      buildNumber: info.buildNumber,
      name: info.displayName,
      minimumOsVersion: info.minimumOSVersion,
      sizeBytes: file.size,
      sha256: file.sha256,
      storageKey,
      notes,
      metadata: JSON.parse(JSON.stringify(info)),
      uploadedById: uploader.id,
    });
  } finally {
    // Gone already if it was committed; removed here on every other path.
    await fs.rm(file.path, { force: true });
  }
}
