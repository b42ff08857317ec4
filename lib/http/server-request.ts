import { AsyncLocalStorage } from "node:async_hooks";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { DatabaseFailureCode } from "@/lib/ui/database-failure-text";

/**
 * The Node request and response behind the web Request a route handler sees,
 * when Ferry's own server (scripts/start.ts) handles it. Next.js 16 hands route
 * handlers a web Request whose body is a web stream copied chunk by chunk from
 * the IncomingMessage, and pipes their Response body through another web
 * stream: for multi-gigabyte uploads and hundreds of concurrent downloads
 * those copies cost more CPU and memory than the work itself (`npm run
 * bench:hot`). So the two byte-heavy paths use Node's own streams: uploads
 * read `req` (lib/upload/raw-request-body.ts), downloads write to `res`
 * (lib/download/direct-send.ts). Route handlers stay the entry points
 * (authentication, policy, errors); without Ferry's server (`next start`, unit
 * tests) there is no context and both fall back to the web streams.
 *
 * Found through the async context of the request, never through anything a
 * client sends. On globalThis: the launcher (bundled by esbuild) and the route
 * handlers (bundled by Next.js) load separate copies of this module.
 */
export type ServerRequest = {
  /** Null once the response is closed: timers started while handling it keep the context, not the request. */
  req: IncomingMessage | null;
  res: ServerResponse | null;
  /** Set when the request's database work failed (lib/http/database-failure.ts): its error answer becomes 503. */
  databaseFailure?: DatabaseFailureCode;
};

const holder = globalThis as typeof globalThis & {
  ferryServerRequest?: AsyncLocalStorage<ServerRequest>;
  ferryServerRunning?: boolean;
  ferryContextLostWarned?: boolean;
};

/** Logged once when Ferry's server runs but a route handler finds no context: a Next.js upgrade broke the handoff. */
export const CONTEXT_LOST_WARNING =
  "[ferry] warning: a route handler ran without its request context (lib/http/server-request.ts); uploads and downloads fall back to Next.js' web streams (more memory and CPU). See docs/upgrading.md.";

function storage(): AsyncLocalStorage<ServerRequest> {
  holder.ferryServerRequest ??= new AsyncLocalStorage<ServerRequest>();
  return holder.ferryServerRequest;
}

/** Runs Next's handler for one request with its Node request and response available to the route handlers. */
export function runWithServerRequest<T>(req: IncomingMessage, res: ServerResponse, handle: () => T): T {
  const slot: ServerRequest = { req, res };
  res.once("close", () => {
    slot.req = null;
    slot.res = null;
  });
  return storage().run(slot, handle);
}

/**
 * Called by Ferry's server (scripts/start.ts) before it serves: from then on
 * every request runs inside runWithServerRequest, so a route handler without
 * its context means Next.js stopped passing the async context on (said once).
 */
export function markFerryServer(): void {
  holder.ferryServerRunning = true;
}

/** The Node request and response of the request being handled, or null outside Ferry's server. */
export function currentServerRequest(): ServerRequest | null {
  const slot = storage().getStore() ?? null;
  if (!slot && holder.ferryServerRunning && !holder.ferryContextLostWarned) {
    holder.ferryContextLostWarned = true;
    console.warn(CONTEXT_LOST_WARNING);
  }
  return slot;
}
