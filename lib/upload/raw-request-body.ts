import type { IncomingMessage } from "node:http";
import { currentServerRequest } from "@/lib/http/server-request";

/**
 * The body of the request being handled, as Node's own stream, when Ferry's
 * server provided it (lib/http/server-request.ts: Next's web-stream copy cost
 * more CPU than hashing, storing and fsyncing a 1 GB .ipa) and nothing has read
 * from it yet; null otherwise (read `request.body` then). Handed out once.
 */
export function takeRawRequestBody(): IncomingMessage | null {
  const slot = currentServerRequest();
  const req = slot?.req ?? null;
  if (!slot || !req) return null;
  slot.req = null;
  if (req.readableDidRead || req.destroyed) return null;
  return req;
}
