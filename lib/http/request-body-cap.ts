import type { IncomingMessage, ServerResponse } from "node:http";
import { AppError } from "@/lib/errors";
import type { BodyLimit } from "@/lib/http/body-limits";
import { formatBytes } from "@/lib/ui/format";

/**
 * Ferry's server side of lib/http/body-limits.ts: refusing a body over its
 * route's limit without holding it, and never reading a refused or unread body
 * forever. Used by scripts/start.ts for every request.
 */

// After an answer, the rest of an unread body is read and discarded for at most
// this long, so a client still sending reads our answer before the connection
// closes (closing a socket with unread bytes resets it, and a client busy
// writing then loses the answer: seen with 16 MiB over loopback). Discarding
// holds no memory; only time bounds it, so a fast link cannot shorten it.
const DRAIN_LIMIT_MS = 2_000;

/** Whether the request carries a body (declared or chunked). */
export function hasRequestBody(req: IncomingMessage): boolean {
  return req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;
}

/** The declared Content-Length, or null when the body is chunked or absent. */
export function declaredLength(req: IncomingMessage): number | null {
  const value = req.headers["content-length"];
  if (value === undefined || req.headers["transfer-encoding"] !== undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

/** 413 `payload_too_large` as JSON; the body is not read beyond the drain bound. */
export function answerTooLarge(req: IncomingMessage, res: ServerResponse, limit: BodyLimit): void {
  const error = new AppError(
    "payload_too_large",
    `The request body is larger than the ${formatBytes(limit.maxBytes)} this route accepts.`,
  );
  const body = JSON.stringify({ error: { code: error.code, message: error.message } });
  if (res.headersSent || res.writableEnded) {
    req.socket.destroy();
    return;
  }
  res.statusCode = error.status;
  res.setHeader("Content-Type", "application/json");
  res.setHeader("Content-Length", Buffer.byteLength(body));
  res.setHeader("Cache-Control", "no-store");
  res.end(body);
}

/**
 * Once the response is complete, a body nobody read to its end is read and
 * discarded (so the connection can serve its next request) for at most
 * DRAIN_LIMIT_MS, then the socket is closed. Node's default would read it to
 * its end however long it is.
 */
export function boundUnreadBody(req: IncomingMessage, res: ServerResponse): void {
  const socket = req.socket;
  res.once("prefinish", () => {
    if (req.complete || req.destroyed) return;
    const stop = () => {
      clearTimeout(timer);
      if (req.complete) return;
      // Our answer is handed to the kernel first, then the connection goes.
      if (res.writableFinished) socket.destroy();
      else res.once("finish", () => socket.destroy());
    };
    const timer = setTimeout(stop, DRAIN_LIMIT_MS);
    timer.unref();
    req.on("data", () => {});
    req.once("end", () => clearTimeout(timer));
    req.once("close", () => clearTimeout(timer));
  });
}

/**
 * Reads the body of a request Next.js will read (next-auth, server actions)
 * before Next.js sees it: at most `limit.maxBytes` are held; past that the
 * result is "too_large" and nothing more is kept. On "complete" the bytes are
 * put back into `req`, which then reads as if untouched. The chunks arrive
 * through `req.push` (Node's HTTP parser feeds the request that way), so no
 * reader is attached and nothing is copied through another stream.
 */
export function bufferRequestBody(
  req: IncomingMessage,
  limit: BodyLimit,
): Promise<"complete" | "too_large" | "aborted"> {
  return new Promise((resolve) => {
    const push = req.push.bind(req);
    const chunks: Buffer[] = [];
    let total = 0;
    let settled = false;
    const settle = (result: "complete" | "too_large" | "aborted") => {
      if (settled) return;
      settled = true;
      req.off("close", onClose);
      resolve(result);
    };
    const onClose = () => {
      req.push = push;
      settle("aborted");
    };
    req.once("close", onClose);
    req.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
      if (settled) return push(chunk, encoding);
      if (chunk === null) {
        req.push = push;
        for (const held of chunks) push(held);
        chunks.length = 0;
        push(null);
        settle("complete");
        return false;
      }
      const bytes = chunk as Buffer;
      total += bytes.length;
      if (total > limit.maxBytes) {
        // Nothing more is kept; the drain after the 413 discards the rest.
        chunks.length = 0;
        req.push = push;
        settle("too_large");
        return true;
      }
      chunks.push(bytes);
      return true;
    };
  });
}
