import { env } from "@/lib/config/env";
import { CONTENT_LENGTH_ALIAS } from "@/lib/http/restore-content-length";
import type { BuildStorage } from "@/lib/storage/storage";

/**
 * DOWNLOAD_OFFLOAD=nginx with local storage: Ferry authorizes and audits, then
 * answers with `X-Accel-Redirect` and no body; nginx serves the file from its
 * internal location (sendfile, ranges, HEAD) without the bytes passing through
 * Node. Null when offloading is off or the storage is not on local disk.
 */
export function offloadResponse(storage: BuildStorage, key: string, headers: HeadersInit): Response | null {
  const offload = env().downloadOffload;
  if (!offload || !offloadsDownloads(storage)) return null;
  const response = new Response(null, { headers });
  // An empty body with its length, not an empty chunked one: nginx acts on the headers and reuses
  // the upstream connection without waiting for a terminating chunk.
  response.headers.set(CONTENT_LENGTH_ALIAS, "0");
  response.headers.set("X-Accel-Redirect", `${offload.prefix}${key.split("/").map(encodeURIComponent).join("/")}`);
  return response;
}

/** Whether downloads from `storage` are handed to nginx. */
export function offloadsDownloads(storage: BuildStorage): boolean {
  return env().downloadOffload !== null && storage.kind === "local";
}
