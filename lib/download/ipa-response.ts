import { queueAudit } from "@/lib/audit/audit-queue";
import { env } from "@/lib/config/env";
import { fileResponse } from "@/lib/download/file-response";
import { fileSource } from "@/lib/download/file-source";
import { mintReceipt, RECEIPT_HEADER } from "@/lib/download/offload-receipt";
import { offloadResponse, offloadsDownloads } from "@/lib/download/offload-response";
import { AppError } from "@/lib/errors";
import { requestContext } from "@/lib/http/request-context";
import { resolveInstallToken } from "@/lib/install-links/resolve-install-token";
import { buildStorage } from "@/lib/storage/storage";

/** The download's file name: the app's name, version and build number, in characters every client accepts. */
export function ipaFileName(build: { name: string; version: string; buildNumber: string }): string {
  return `${`${build.name}-${build.version}-${build.buildNumber}`.replace(/[^A-Za-z0-9._-]+/g, "_")}.ipa`;
}

/**
 * A build's .ipa for iOS's install daemon (token-authorized, no cookies):
 * HEAD from metadata, GET and ranges streamed from storage (disk or bucket),
 * or handed to nginx (DOWNLOAD_OFFLOAD), one audit row per download and one
 * when the last byte went out (the install funnel; for nginx, from its report
 * of the transfer, lib/download/offload-completion.ts).
 */
export async function ipaResponse(request: Request, token: string): Promise<Response> {
  const { user, build } = await resolveInstallToken(token);
  const storage = buildStorage();
  if (request.method !== "HEAD") {
    // HEAD is answered from metadata alone; a GET needs the file to be there.
    if (!(await storage.stat(build.storageKey))) {
      throw new AppError("not_found", "The file of this build is missing from storage.");
    }
  }
  // One row per download: the first request of a transfer, not HEAD or resumed ranges.
  const range = request.headers.get("range");
  const context = requestContext(request.headers);
  if (request.method === "GET" && (!range || /^bytes=0-/.test(range))) {
    // Written just behind the answer like the manifest's row (within 100 ms, flushed on SIGTERM): waiting
    // for its commit delayed the first byte, which is most of what an offloaded download costs Ferry.
    await queueAudit(
      {
        action: "ipa.download",
        actor: user,
        appId: build.appId,
        buildId: build.id,
        context,
        details: range ? { range } : {},
      },
      { wait: "queued" },
    );
  }
  const extraHeaders = { "Content-Disposition": `attachment; filename="${ipaFileName(build)}"` };
  // nginx hands this back when the transfer ends; it reports HEAD too, which never counts.
  const receipt: Record<string, string> =
    request.method === "GET" && offloadsDownloads(storage) && env().downloadOffload?.reportSecret
      ? {
          [RECEIPT_HEADER]: mintReceipt({
            user,
            appId: build.appId,
            buildId: build.id,
            size: build.sizeBytes,
            context,
            range,
          }),
        }
      : {};
  const offloaded = offloadResponse(storage, build.storageKey, {
    "Content-Type": "application/octet-stream",
    "Cache-Control": "private, no-store, no-transform",
    ...extraHeaders,
    ...receipt,
  });
  if (offloaded) return offloaded;
  return fileResponse({
    request,
    ...fileSource(storage, build.storageKey),
    size: build.sizeBytes,
    etag: build.sha256,
    contentType: "application/octet-stream",
    lastModified: build.createdAt,
    extraHeaders,
    // The install funnel's last step: the whole file (or the last range of a resumed one) went out.
    onComplete: () =>
      queueAudit({
        action: "ipa.download_complete",
        actor: user,
        appId: build.appId,
        buildId: build.id,
        context,
        details: range ? { range } : {},
      }),
  });
}
