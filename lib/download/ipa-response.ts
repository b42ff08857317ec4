import fs from "node:fs/promises";
import { queueAudit } from "@/lib/audit/audit-queue";
import { env } from "@/lib/config/env";
import { fileResponse } from "@/lib/download/file-response";
import { AppError } from "@/lib/errors";
import { requestContext } from "@/lib/http/request-context";
import { resolveInstallToken } from "@/lib/install-links/resolve-install-token";
import { storagePath } from "@/lib/storage/build-files";

/** The download's file name: the app's name, version and build number, in characters every client accepts. */
export function ipaFileName(build: { name: string; version: string; buildNumber: string }): string {
  return `${`${build.name}-${build.version}-${build.buildNumber}`.replace(/[^A-Za-z0-9._-]+/g, "_")}.ipa`;
}

/**
 * A build's .ipa for iOS's install daemon (token-authorized, no cookies):
 * HEAD from metadata, GET and ranges from storage, one audit row per download.
 */
export async function ipaResponse(request: Request, token: string): Promise<Response> {
  const { user, build } = await resolveInstallToken(token);
  const filePath = storagePath(env().dataDir, build.storageKey);
  if (request.method !== "HEAD") {
    // HEAD is answered from metadata alone; a GET needs the file to be there.
    await fs.access(filePath).catch(() => {
      throw new AppError("not_found", "The file of this build is missing from storage.");
    });
  }
  // One row per download: the first request of a transfer, not HEAD or resumed ranges.
  const range = request.headers.get("range");
  if (request.method === "GET" && (!range || /^bytes=0-/.test(range))) {
    await queueAudit({
      action: "ipa.download",
      actor: user,
      appId: build.appId,
      buildId: build.id,
      context: requestContext(request.headers),
      details: range ? { range } : {},
    });
  }
  return fileResponse({
    request,
    filePath,
    size: build.sizeBytes,
    etag: build.sha256,
    contentType: "application/octet-stream",
    lastModified: build.createdAt,
    extraHeaders: { "Content-Disposition": `attachment; filename="${ipaFileName(build)}"` },
  });
}
