import { queueAudit } from "@/lib/audit/audit-queue";
import type { BuildFile } from "@/lib/builds/data";
import { env } from "@/lib/config/env";
import { ipaFileName } from "@/lib/download/ipa-response";
import { requestContext } from "@/lib/http/request-context";
import { resolveInstallToken } from "@/lib/install-links/resolve-install-token";
import { installLinks } from "@/lib/install-links/urls";
import { buildManifest } from "@/lib/manifest/build-manifest";
import { manifestForToken } from "@/lib/manifest/manifest-template";
import { iconStorageKey } from "@/lib/storage/icon-files";
import { type BuildStorage, buildStorage } from "@/lib/storage/storage";

/** Presigned URLs outlive the install link a little, so an install started just before it expires still finishes. */
export const PRESIGN_MARGIN_SECONDS = 15 * 60;

/**
 * The manifest iOS's install daemon fetches (no cookies: the token in the path
 * is the authorization). Audited (the row is queued before the answer and
 * written in the background). With local storage every URL in it carries
 * the same token; with S3 the .ipa and icons are presigned GET URLs of the
 * bucket (iOS does not reliably follow redirects for the .ipa), valid until
 * the link expires plus a margin.
 */
export async function manifestResponse(request: Request, token: string): Promise<Response> {
  const { user, build, expiresAt } = await resolveInstallToken(token);
  // The answer does not wait for the row (it joins the next shared INSERT; flushed on shutdown) unless the queue is backed up.
  await queueAudit(
    {
      action: "manifest.fetch",
      actor: user,
      appId: build.appId,
      buildId: build.id,
      context: requestContext(request.headers),
    },
    { wait: "queued" },
  );
  const storage = buildStorage();
  const xml =
    storage.kind === "s3"
      ? await presignedManifest(storage, token, build, expiresAt)
      : manifestForToken(env().publicUrl, token, build);
  return new Response(xml, {
    headers: {
      "Content-Type": "application/xml; charset=utf-8",
      "Cache-Control": "private, no-store",
    },
  });
}

async function presignedManifest(
  storage: BuildStorage,
  token: string,
  build: BuildFile,
  expiresAt: Date,
): Promise<string> {
  const links = installLinks(env().publicUrl, token);
  const urls = { ipa: links.ipaUrl, icon57: links.icon57Url, icon512: links.icon512Url };
  const expiresInSeconds = (expiresAt.getTime() - Date.now()) / 1000 + PRESIGN_MARGIN_SECONDS;
  urls.ipa =
    (await storage.presignedGetUrl(build.storageKey, {
      expiresInSeconds,
      contentType: "application/octet-stream",
      fileName: ipaFileName(build),
    })) ?? urls.ipa;
  // Builds stored before icons were extracted keep Ferry's URL (it serves a placeholder).
  for (const [name, size] of [
    ["icon57", 57],
    ["icon512", 512],
  ] as const) {
    const key = iconStorageKey(build.sha256, size);
    if (await storage.stat(key)) {
      urls[name] = (await storage.presignedGetUrl(key, { expiresInSeconds, contentType: "image/png" })) ?? urls[name];
    }
  }
  return buildManifest({
    ipaUrl: urls.ipa,
    displayImageUrl: urls.icon57,
    fullSizeImageUrl: urls.icon512,
    bundleId: build.bundleId,
    bundleVersion: build.version,
    title: build.name,
  });
}
