import { decodePng } from "@/lib/analysis/icons/cgbi";
import { encodePng } from "@/lib/analysis/icons/encode";
import { placeholderIconPng } from "@/lib/analysis/icons/placeholder";
import { resizeToSquare } from "@/lib/analysis/icons/resize";
import { currentUser } from "@/lib/auth/session";
import { getBuildFor } from "@/lib/builds/data";
import { fileResponse } from "@/lib/download/file-response";
import { fileSource } from "@/lib/download/file-source";
import { offloadResponse } from "@/lib/download/offload-response";
import { AppError } from "@/lib/errors";
import { resolveInstallToken } from "@/lib/install-links/resolve-install-token";
import { type IconSize, iconStorageKey } from "@/lib/storage/icon-files";
import { buildStorage } from "@/lib/storage/storage";

/** Sizes stored at upload (the manifest's 57 and 512) and the small ones pages show, derived from 512. */
export type ServedIconSize = IconSize | 64 | 128;

type IconBuild = { sha256: string; bundleId: string; name: string };

const MANIFEST_ICON_CACHE = "private, max-age=3600";

function iconEtag(sha256: string, size: ServedIconSize): string {
  return `"${sha256.slice(0, 32)}-${size}"`;
}

function pngResponse(png: Buffer, etag: string, cacheControl: string): Response {
  return new Response(new Uint8Array(png), {
    headers: {
      "Content-Type": "image/png",
      "Content-Length": String(png.length),
      "Cache-Control": cacheControl,
      ETag: etag,
    },
  });
}

function placeholder(build: IconBuild, size: ServedIconSize): Buffer {
  return placeholderIconPng({ bundleId: build.bundleId, appName: build.name, size });
}

/** A stored icon's bytes (a few KB), or null for builds stored before icons were extracted. */
async function readStoredIcon(sha256: string, size: IconSize): Promise<Buffer | null> {
  const storage = buildStorage();
  const key = iconStorageKey(sha256, size);
  if (!(await storage.stat(key))) return null;
  const chunks: Buffer[] = [];
  for await (const chunk of await storage.read(key)) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/**
 * A build's icon for iOS's install daemon (token-authorized, no cookies),
 * listed in the manifest: from storage, handed to nginx, or a placeholder.
 */
export async function iconResponse(request: Request, token: string, size: IconSize): Promise<Response> {
  const { build } = await resolveInstallToken(token);
  const storage = buildStorage();
  const key = iconStorageKey(build.sha256, size);
  const stored = await storage.stat(key);
  if (!stored) {
    // Builds stored before icons were extracted get the placeholder.
    return pngResponse(placeholder(build, size), iconEtag(build.sha256, size), MANIFEST_ICON_CACHE);
  }
  return (
    offloadResponse(storage, key, { "Content-Type": "image/png", "Cache-Control": MANIFEST_ICON_CACHE }) ??
    fileResponse({
      request,
      ...fileSource(storage, key),
      size: stored.size,
      etag: iconEtag(build.sha256, size),
      contentType: "image/png",
      extraHeaders: { "Cache-Control": MANIFEST_ICON_CACHE },
    })
  );
}

function matchesEtag(request: Request, etag: string): boolean {
  const header = request.headers.get("if-none-match");
  return header?.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag) ?? false;
}

/**
 * A build's icon for Ferry's own pages, authorized by the session cookie. Its
 * URL is stable (no per-visit token), and a build's bytes never change, so the
 * browser keeps it for a day and revalidates with the ETag afterwards.
 */
export async function pageIconResponse(
  request: Request,
  appId: string,
  buildId: string,
  size: 64 | 128,
): Promise<Response> {
  const user = await currentUser();
  if (!user) throw new AppError("unauthorized", "Sign in to see this icon.");
  const build = await getBuildFor(user, appId, buildId);
  if (!build) throw new AppError("not_found", "No such build.");
  const etag = iconEtag(build.sha256, size);
  const cacheControl = "private, max-age=86400";
  // Revalidation costs one query and no image work.
  if (matchesEtag(request, etag)) {
    return new Response(null, { status: 304, headers: { ETag: etag, "Cache-Control": cacheControl } });
  }
  const large = await readStoredIcon(build.sha256, 512);
  const png = large ? encodePng(resizeToSquare(decodePng(large), size)) : placeholder(build, size);
  return pngResponse(png, etag, cacheControl);
}
