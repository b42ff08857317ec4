import http from "node:http";
import https from "node:https";
import type { Socket } from "node:net";
import {
  type AddressPolicy,
  addressRefusal,
  checkWebhookUrl,
  guardedLookup,
  RefusedAddressError,
  type Resolve,
} from "@/lib/webhooks/address-policy";

/**
 * One webhook POST under the address policy. node:http rather than fetch:
 * fetch has no per-request `lookup`, and the policy must judge the very
 * addresses the socket connects to.
 */

/** Bytes of an answer read for the log; the rest is not read. */
const SNIPPET_BYTES = 1024;
/** Characters of it kept (the admin page shows fewer). */
export const SNIPPET_CHARS = 200;
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters we replace
const CONTROL = /[\u0000-\u001f\u007f-\u009f]+/g;

export type PostResult = { status: number; snippet: string | null };

export class PostTimeoutError extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${ms / 1000} s`);
    this.name = "TimeoutError";
  }
}

/**
 * POSTs `body` to `target`. Redirects are not followed (a 3xx is the answer).
 * Rejects with RefusedAddressError, before any byte is sent, when the URL or an
 * address its host resolves to is refused; with PostTimeoutError when the whole
 * exchange (connect, answer, snippet) takes longer than `timeoutMs`.
 */
export function postWebhook(
  target: string,
  body: string,
  headers: Record<string, string>,
  options: { policy: AddressPolicy; timeoutMs: number; resolve?: Resolve },
): Promise<PostResult> {
  const checked = checkWebhookUrl(target, options.policy);
  if (!checked.ok) return Promise.reject(new RefusedAddressError(`refused: ${checked.problem}`));
  const client = checked.url.protocol === "https:" ? https : http;
  return new Promise<PostResult>((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | null, result?: PostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(result as PostResult);
    };
    const request = client.request(checked.url, {
      method: "POST",
      headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
      // A fresh connection per delivery: no socket is reused across receivers or checks.
      agent: false,
      lookup: guardedLookup(options.policy, options.resolve),
    });
    const timer = setTimeout(() => {
      const error = new PostTimeoutError(options.timeoutMs);
      request.destroy(error);
      finish(error);
    }, options.timeoutMs);
    request.on("socket", (socket: Socket) => {
      // Defence in depth: judge the peer actually connected to, before the request is written
      // (prepended, so it runs before the write that waits for the same event).
      socket.prependOnceListener("connect", () => {
        const refusal = addressRefusal(socket.remoteAddress ?? "", options.policy);
        if (refusal) request.destroy(new RefusedAddressError(`refused: the receiver's address is ${refusal}`));
      });
    });
    request.on("error", (error) => finish(error));
    request.on("response", (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        response.destroy();
        const text = Buffer.concat(chunks)
          .subarray(0, SNIPPET_BYTES)
          .toString("utf8")
          // Shown to admins as text: no control characters, and bounded.
          .replace(CONTROL, " ")
          .trim()
          .slice(0, SNIPPET_CHARS);
        finish(null, { status: response.statusCode ?? 0, snippet: text || null });
      };
      response.on("data", (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= SNIPPET_BYTES) done();
      });
      response.on("end", done);
      // A body cut short still leaves what arrived.
      response.on("error", done);
      response.on("aborted", done);
    });
    request.end(body);
  });
}
