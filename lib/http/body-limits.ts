// Limits the parsers apply too live here, so the server (scripts/start.ts) can enforce them
// without loading the parsers (pkijs, plist) at start: tests/server-memory.test.ts.
/** Real profiles are 5–30 KiB; even one listing 100 devices with many certificates stays far below this. */
export const MAX_PROFILE_BYTES = 1024 * 1024;
/** What iOS posts back to the Profile Service URL (a CMS-signed plist): a few KiB. */
export const MAX_DEVICE_RESPONSE_BYTES = 64 * 1024;
/** PEM text of a certificate chain or a key is a few KiB. */
export const MAX_PEM_BYTES = 64 * 1024;

/**
 * The largest request body each route accepts: the one table, enforced by
 * Ferry's own server (scripts/start.ts) before Next.js sees the request, so no
 * route, page, server action or next-auth endpoint can be made to hold a large
 * body in memory.
 *
 * - `readBy: "route"`: the route reads the body itself through a bounded
 *   reader (the upload reader streams to disk; `readSmallBody`), checking the
 *   caller first. The server refuses a declared Content-Length over the limit
 *   at once and lets the route's reader cut a chunked body at the same limit.
 * - `readBy: "server"`: Next.js reads the body (next-auth, server actions,
 *   route handlers that never read one). The server reads it first, at most
 *   `maxBytes`, and hands it over only once complete; over the limit it answers
 *   413 itself and Next.js never sees the request.
 */
export type BodyLimit = { maxBytes: number; readBy: "route" | "server" };

const KiB = 1024;
const MiB = 1024 * KiB;

// Multipart framing and the small text fields around an uploaded file.
export const MULTIPART_OVERHEAD_BYTES = 1 * MiB;

/** A device list in Apple's format: 10,000 lines stay far below this. */
export const DEVICE_IMPORT_MAX_BYTES = 1 * MiB;

/** A signing identity: a .p12 (or a PEM certificate and a PEM key, each at most MAX_PEM_BYTES), a password, framing. */
export const SIGNING_IDENTITY_BODY_MAX_BYTES = 2 * MAX_PEM_BYTES + 64 * KiB;

/** A provisioning profile for re-signing, raw or in the multipart field `file`. */
export const SIGNING_PROFILE_BODY_MAX_BYTES = MAX_PROFILE_BYTES + 64 * KiB;

/** JSON bodies of the API (release notes: 10,000 characters even as \uXXXX escapes stay under 64 KiB). */
export const JSON_BODY_MAX_BYTES = 128 * KiB;

/** Watching an app or channel: `{ appId, channel, watching }`, JSON or the pages' form. */
export const WATCH_BODY_MAX_BYTES = 4 * KiB;

/** Naming a new update key: `{ name }`. */
export const UPDATE_KEY_BODY_MAX_BYTES = 4 * KiB;

/** next-auth's forms (sign-in: csrf token, email, password, callback URL) are a few hundred bytes. */
export const AUTH_BODY_MAX_BYTES = 64 * KiB;

/**
 * Pages and server actions: Next.js' own server-action limit is 1 MB, which
 * the device-list import form (a 1 MiB list) needs, plus form framing.
 */
export const PAGE_BODY_MAX_BYTES = 1 * MiB + 64 * KiB;

/** A plain-post form of a page without the React runtime (lib/server-actions/plain-post.ts): a few text fields. */
export const PLAIN_POST_MAX_BYTES = 64 * KiB;

/**
 * The admin devices page's plain posts (lib/devices/forms.ts): its import form
 * sends a list of up to DEVICE_IMPORT_MAX_BYTES url-encoded, which escapes its
 * tabs and line breaks (three bytes each) and any non-ASCII name.
 */
export const DEVICE_IMPORT_FORM_MAX_BYTES = 2 * DEVICE_IMPORT_MAX_BYTES;

/** Every other API route and the install routes (`/d/…`): none reads a body. */
export const DEFAULT_API_BODY_MAX_BYTES = 64 * KiB;

type Entry = { method: string; path: RegExp; limit: (maxUploadBytes: number) => BodyLimit };

const ROUTES: Entry[] = [
  // The pages without the React runtime whose forms post to them (lib/server-actions/plain-post.ts).
  {
    method: "POST",
    path: /^\/(?:admin\/(?:users|groups|groups\/[^/]+|apps)|apps\/[^/]+\/channels)\/?$/,
    limit: () => ({ maxBytes: PLAIN_POST_MAX_BYTES, readBy: "server" }),
  },
  {
    method: "POST",
    path: /^\/admin\/devices\/?$/,
    limit: () => ({ maxBytes: DEVICE_IMPORT_FORM_MAX_BYTES, readBy: "server" }),
  },
  // The upload route streams to disk and enforces MAX_UPLOAD_SIZE itself (with its own message and idle timeout).
  {
    method: "POST",
    path: /^\/api\/v1\/builds\/?$/,
    limit: (max) => ({ maxBytes: max + MULTIPART_OVERHEAD_BYTES, readBy: "route" }),
  },
  {
    method: "POST",
    path: /^\/api\/v1\/profiles\/inspect\/?$/,
    limit: () => ({ maxBytes: MAX_PROFILE_BYTES + MULTIPART_OVERHEAD_BYTES, readBy: "route" }),
  },
  {
    method: "POST",
    path: /^\/api\/v1\/devices\/import\/?$/,
    limit: () => ({ maxBytes: DEVICE_IMPORT_MAX_BYTES, readBy: "route" }),
  },
  {
    method: "POST",
    path: /^\/api\/v1\/devices\/profile-service\/?$/,
    limit: () => ({ maxBytes: MAX_DEVICE_RESPONSE_BYTES, readBy: "route" }),
  },
  {
    method: "PATCH",
    path: /^\/api\/v1\/builds\/[^/]+\/?$/,
    limit: () => ({ maxBytes: JSON_BODY_MAX_BYTES, readBy: "route" }),
  },
  {
    method: "POST",
    path: /^\/api\/v1\/builds\/[^/]+\/channels\/?$/,
    limit: () => ({ maxBytes: JSON_BODY_MAX_BYTES, readBy: "route" }),
  },
  {
    method: "PATCH",
    path: /^\/api\/v1\/apps\/[^/]+\/channels\/[^/]+\/?$/,
    limit: () => ({ maxBytes: JSON_BODY_MAX_BYTES, readBy: "route" }),
  },
  {
    method: "POST",
    path: /^\/api\/v1\/signing\/identities\/?$/,
    limit: () => ({ maxBytes: SIGNING_IDENTITY_BODY_MAX_BYTES, readBy: "route" }),
  },
  {
    method: "POST",
    path: /^\/api\/v1\/signing\/profiles\/?$/,
    limit: () => ({ maxBytes: SIGNING_PROFILE_BODY_MAX_BYTES, readBy: "route" }),
  },
  {
    method: "POST",
    path: /^\/api\/v1\/builds\/[^/]+\/resign\/?$/,
    limit: () => ({ maxBytes: JSON_BODY_MAX_BYTES, readBy: "route" }),
  },
  {
    method: "PUT",
    path: /^\/api\/v1\/app-store-connect\/key\/?$/,
    limit: () => ({ maxBytes: JSON_BODY_MAX_BYTES, readBy: "route" }),
  },
  {
    method: "PUT",
    path: /^\/api\/v1\/apps\/[^/]+\/device-sync\/?$/,
    limit: () => ({ maxBytes: JSON_BODY_MAX_BYTES, readBy: "route" }),
  },
  {
    method: "POST",
    path: /^\/api\/v1\/builds\/[^/]+\/devices\/?$/,
    limit: () => ({ maxBytes: JSON_BODY_MAX_BYTES, readBy: "route" }),
  },
  {
    method: "POST",
    path: /^\/api\/v1\/builds\/[^/]+\/resign\/preview\/?$/,
    limit: () => ({ maxBytes: JSON_BODY_MAX_BYTES, readBy: "route" }),
  },
  {
    method: "POST",
    path: /^\/api\/v1\/signing\/profiles\/[^/]+\/renew\/?$/,
    limit: () => ({ maxBytes: JSON_BODY_MAX_BYTES, readBy: "route" }),
  },
  {
    method: "POST",
    path: /^\/api\/v1\/apps\/[^/]+\/webhooks\/?$/,
    limit: () => ({ maxBytes: JSON_BODY_MAX_BYTES, readBy: "route" }),
  },
  {
    method: "POST",
    path: /^\/api\/v1\/watches\/?$/,
    limit: () => ({ maxBytes: WATCH_BODY_MAX_BYTES, readBy: "route" }),
  },
  {
    method: "POST",
    path: /^\/api\/v1\/apps\/[^/]+\/update-keys\/?$/,
    limit: () => ({ maxBytes: UPDATE_KEY_BODY_MAX_BYTES, readBy: "route" }),
  },
];

/** The body limit of a request, by method and path (query string ignored). */
export function bodyLimitFor(method: string | undefined, url: string | undefined, maxUploadBytes: number): BodyLimit {
  const pathname = (url ?? "/").split("?")[0] ?? "/";
  const upper = (method ?? "GET").toUpperCase();
  for (const entry of ROUTES) {
    if (entry.method === upper && entry.path.test(pathname)) return entry.limit(maxUploadBytes);
  }
  if (pathname.startsWith("/api/auth/")) return { maxBytes: AUTH_BODY_MAX_BYTES, readBy: "server" };
  if (pathname.startsWith("/api/") || pathname.startsWith("/d/")) {
    return { maxBytes: DEFAULT_API_BODY_MAX_BYTES, readBy: "server" };
  }
  return { maxBytes: PAGE_BODY_MAX_BYTES, readBy: "server" };
}
