import { decodePng } from "@/lib/analysis/icons/cgbi";
import { encodePng } from "@/lib/analysis/icons/encode";
import { placeholderIconPng } from "@/lib/analysis/icons/placeholder";
import { resizeToSquare } from "@/lib/analysis/icons/resize";
import { currentUser } from "@/lib/auth/session";
import { getBuildFor } from "@/lib/builds/data";
import { env } from "@/lib/config/env";
import { AppError } from "@/lib/errors";
import { resolveInstallToken } from "@/lib/install-links/resolve-install-token";
import { readBuildIcon } from "@/lib/storage/icon-files";

/** Sizes stored at upload (the manifest's 57 and 512) and the small ones pages show, derived from 512. */
export type ServedIconSize = 57 | 64 | 128 | 512;

type IconBuild = { sha256: string; bundleId: string; name: string };

async function iconPng(build: IconBuild, size: ServedIconSize): Promise<Buffer> {
  const dataDir = env().dataDir;
  if (size === 57 || size === 512) {
    // Builds stored before icons were extracted get the placeholder.
    return (
      (await readBuildIcon(dataDir, build.sha256, size)) ??
      placeholderIconPng({ bundleId: build.bundleId, appName: build.name, size })
    );
  }
  const large = await readBuildIcon(dataDir, build.sha256, 512);
  if (!large) return placeholderIconPng({ bundleId: build.bundleId, appName: build.name, size });
  return encodePng(resizeToSquare(decodePng(large), size));
}

function matchesEtag(request: Request, etag: string): boolean {
  const header = request.headers.get("if-none-match");
  return header?.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag) ?? false;
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

/** A build's icon for iOS's install daemon (token-authorized, no cookies): listed in the manifest. */
export async function iconResponse(token: string, size: 57 | 512): Promise<Response> {
  const { build } = await resolveInstallToken(token);
  return pngResponse(await iconPng(build, size), iconEtag(build.sha256, size), "private, max-age=3600");
}

function iconEtag(sha256: string, size: ServedIconSize): string {
  return `"${sha256.slice(0, 32)}-${size}"`;
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
  return pngResponse(await iconPng(build, size), etag, cacheControl);
}

/** The stable, cookie-authorized URL of a build's icon on Ferry's pages (relative to the site). */
export function pageIconPath(build: { id: string; appId: string }, size: 64 | 128): string {
  return `/apps/${build.appId}/builds/${build.id}/icon-${size}.png`;
}
