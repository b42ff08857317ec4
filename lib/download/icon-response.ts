import { placeholderIconPng } from "@/lib/analysis/icons/placeholder";
import { fileResponse } from "@/lib/download/file-response";
import { offloadResponse } from "@/lib/download/offload-response";
import { resolveInstallToken } from "@/lib/install-links/resolve-install-token";
import { type IconSize, iconStorageKey } from "@/lib/storage/icon-files";
import { buildStorage } from "@/lib/storage/storage";

/** A build's icon for iOS's install daemon (token-authorized, no cookies), from storage or handed to nginx. */
export async function iconResponse(request: Request, token: string, size: IconSize): Promise<Response> {
  const { build } = await resolveInstallToken(token);
  const storage = buildStorage();
  const key = iconStorageKey(build.sha256, size);
  const stored = await storage.stat(key);
  const headers = { "Content-Type": "image/png", "Cache-Control": "private, max-age=3600" };
  if (!stored) {
    // Builds stored before icons were extracted get the placeholder.
    const png = placeholderIconPng({ bundleId: build.bundleId, appName: build.name, size });
    return new Response(new Uint8Array(png), {
      headers: { ...headers, "Content-Length": String(png.length), ETag: `"${build.sha256.slice(0, 32)}-${size}"` },
    });
  }
  return (
    offloadResponse(storage, key, headers) ??
    fileResponse({
      request,
      openRange: (start, end) => storage.read(key, { start, end }),
      size: stored.size,
      etag: `${build.sha256.slice(0, 32)}-${size}`,
      contentType: "image/png",
      extraHeaders: { "Cache-Control": "private, max-age=3600" },
    })
  );
}
