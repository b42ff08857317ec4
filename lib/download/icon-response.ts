import { placeholderIconPng } from "@/lib/analysis/icons/placeholder";
import { env } from "@/lib/config/env";
import { resolveInstallToken } from "@/lib/install-links/resolve-install-token";
import { type IconSize, readBuildIcon } from "@/lib/storage/icon-files";

/** A build's icon for iOS's install daemon (token-authorized, no cookies). */
export async function iconResponse(token: string, size: IconSize): Promise<Response> {
  const { build } = await resolveInstallToken(token);
  // Builds stored before icons were extracted get the placeholder.
  const png =
    (await readBuildIcon(env().dataDir, build.sha256, size)) ??
    placeholderIconPng({ bundleId: build.bundleId, appName: build.name, size });
  return new Response(new Uint8Array(png), {
    headers: {
      "Content-Type": "image/png",
      "Content-Length": String(png.length),
      "Cache-Control": "private, max-age=3600",
      ETag: `"${build.sha256.slice(0, 32)}-${size}"`,
    },
  });
}
