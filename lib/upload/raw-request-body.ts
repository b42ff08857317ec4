import { AsyncLocalStorage } from "node:async_hooks";
import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * Next.js 16 gives a route handler the request body as a web ReadableStream
 * built from Node's IncomingMessage one chunk at a time (undici copies every
 * chunk, then `Readable.fromWeb` wraps it again). For a 1 GB .ipa that
 * conversion cost more CPU than hashing, storing and fsyncing it
 * (`npm run bench:hot`). So Ferry's server (scripts/start.ts) runs every
 * request in a context that carries its IncomingMessage, and the upload reader
 * takes the body from there. The route handler stays the one entry point
 * (authentication, policy, errors); without Ferry's server (`next start`) the
 * reader falls back to `request.body`. Nothing a client sends selects the
 * stream: it is the request's own, found through the async context.
 *
 * On globalThis: the launcher (bundled by esbuild) and the route handlers
 * (bundled by Next.js) load separate copies of this module.
 */
type Slot = { req: IncomingMessage | null };

const holder = globalThis as typeof globalThis & { ferryRawRequest?: AsyncLocalStorage<Slot> };

function storage(): AsyncLocalStorage<Slot> {
  holder.ferryRawRequest ??= new AsyncLocalStorage<Slot>();
  return holder.ferryRawRequest;
}

/** Runs Next's handler for one request with its IncomingMessage available to `takeRawRequestBody`. */
export function runWithRawRequest<T>(req: IncomingMessage, res: ServerResponse, handle: () => T): T {
  const slot: Slot = { req };
  // Timers first started while handling this request keep its context: let go of the request once it ends.
  res.once("close", () => {
    slot.req = null;
  });
  return storage().run(slot, handle);
}

/**
 * The body of the request being handled, as Node's stream, when Ferry's server
 * provided it and nothing has read from it yet; null otherwise (read
 * `request.body` then). Handed out once.
 */
export function takeRawRequestBody(): IncomingMessage | null {
  const slot = storage().getStore();
  const req = slot?.req ?? null;
  if (!slot || !req) return null;
  slot.req = null;
  if (req.readableDidRead || req.destroyed) return null;
  return req;
}
