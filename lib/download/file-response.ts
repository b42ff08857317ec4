import { type FileHandle, open as openFile } from "node:fs/promises";
import { PassThrough, Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parseByteRange } from "@/lib/download/byte-range";
import { handOverBody } from "@/lib/download/direct-send";

/**
 * Serves a file from disk from an App Router route handler: HEAD, single
 * byte ranges (iOS resumes .ipa downloads with them), If-Range, and
 * If-None-Match / If-Modified-Since revalidation.
 *
 * The body is streamed straight from disk (files can be several GB), and the
 * file is only opened when a body is actually sent (not for HEAD/304/416).
 * The caller supplies `size` and `etag` from its own records (or a stat), so
 * the file is never stat-ed here; `size` bounds what is read even if the file
 * changed since.
 */

import { CONTENT_LENGTH_ALIAS } from "@/lib/http/restore-content-length";

export interface FileResponseOptions {
  request: Request;
  /** The bytes: a file on disk, or a function that opens bytes `start`…`end` (inclusive) elsewhere (object storage). */
  filePath?: string;
  openRange?: (start: number, end: number) => Promise<Readable>;
  /** Size in bytes of the file as recorded; Content-Length is derived from it. */
  size: number;
  /** Opaque strong validator, e.g. the file's SHA-256 hex; quoted here if bare. */
  etag: string;
  contentType: string;
  lastModified?: Date;
  /** Applied last, so they can override the defaults (e.g. Cache-Control). */
  extraHeaders?: HeadersInit;
  /**
   * Called once the body's last byte of the file (offset size - 1) was handed
   * to the server, i.e. a full download or the final range of a resumed one;
   * never for HEAD, 304, 416 or a transfer the client abandoned.
   */
  onComplete?: () => void | Promise<void>;
}

// Larger than the 64 KiB default: fewer syscalls and chunks for multi-GB files,
// still a bounded amount of memory per download (one chunk being written to the
// socket, READ_AHEAD_CHUNKS read ahead so the disk read overlaps the send).
const READ_CHUNK_BYTES = 256 * 1024;
const READ_AHEAD_CHUNKS = 1;

export function fileResponse(options: FileResponseOptions): Response {
  const { request, size, contentType, lastModified, extraHeaders } = options;
  const etag = toStrongEtag(options.etag);
  const isHead = request.method.toUpperCase() === "HEAD";

  const headers = new Headers({
    "Content-Type": contentType,
    ETag: etag,
    "Accept-Ranges": "bytes",
    // Tokenized per-user URLs must not be stored by shared caches; no-transform
    // stops proxies/compression from re-encoding bytes that ranges index into.
    "Cache-Control": "private, no-store, no-transform",
  });
  if (lastModified !== undefined) {
    if (Number.isNaN(lastModified.getTime())) throw new RangeError("lastModified is an invalid Date");
    headers.set("Last-Modified", lastModified.toUTCString());
  }
  new Headers(extraHeaders).forEach((value, name) => {
    headers.set(name, value);
  });

  if (isNotModified(request.headers, etag, lastModified)) {
    headers.delete("Content-Type");
    return new Response(null, { status: 304, headers });
  }

  // RFC 9110 §14.2: range handling is only defined for GET; HEAD ignores it.
  const rangeHeader = isHead ? null : request.headers.get("range");
  const ifRange = request.headers.get("if-range");
  const honourRange = rangeHeader !== null && (ifRange === null || ifRangeMatches(ifRange, etag, lastModified));
  const range = parseByteRange(honourRange ? rangeHeader : null, size);

  if (range.kind === "unsatisfiable") {
    headers.delete("Content-Type");
    headers.set("Content-Range", `bytes */${size}`);
    headers.set("Content-Length", "0");
    return new Response(null, { status: 416, headers });
  }

  const [status, start, end] = range.kind === "single" ? [206, range.start, range.end] : [200, 0, size - 1];
  const length = end - start + 1;
  headers.set("Content-Length", String(length));
  // Next.js drops Content-Length from route handler responses (and streams
  // chunked); the server restores it from this header (restore-content-length.ts).
  headers.set(CONTENT_LENGTH_ALIAS, String(length));
  if (status === 206) {
    headers.set("Content-Range", `bytes ${start}-${end}/${size}`);
  }

  if (isHead || length === 0) {
    return new Response(null, { status, headers });
  }
  const reachesEnd = end === size - 1;
  const onComplete = reachesEnd ? options.onComplete : undefined;
  // Served by Ferry's server (scripts/start.ts): it writes the body to the socket itself, with two reused buffers.
  const source = options.filePath !== undefined ? { filePath: options.filePath } : { openRange: options.openRange };
  if (handOverBody({ ...source, start, end, onComplete })) {
    return new Response(null, { status, headers });
  }
  // Elsewhere (unit tests, another host): a web stream. A file on disk is read on demand; other storage streams through Node.
  let body: ReadableStream<Uint8Array>;
  if (options.filePath !== undefined) body = fileBody(options.filePath, start, end, request.signal);
  else if (options.openRange) body = streamBody(options.openRange, start, end, request.signal);
  else throw new TypeError("fileResponse needs filePath or openRange");
  return new Response(onComplete ? onFullyRead(body, length, onComplete) : body, {
    status,
    headers,
  });
}

/**
 * `Readable.toWeb` reads ahead a bounded amount (~3 chunks, checked on Node
 * 20.20; nodejs/node#46347 fixed an older unbounded read-ahead) and its
 * cancel() destroys the source stream (closing the file or the connection to
 * the bucket) when the consumer stops. The source is opened lazily behind a
 * PassThrough (opening object storage is asynchronous), and `pipeline`
 * keeps backpressure. The request's abort signal is wired up too, as a second
 * line of defence in case the framework aborts the request without cancelling the body.
 */
function streamBody(
  open: (start: number, end: number) => Promise<Readable>,
  start: number,
  end: number,
  signal: AbortSignal,
): ReadableStream<Uint8Array> {
  const body = new PassThrough({ highWaterMark: READ_CHUNK_BYTES });
  const onAbort = (): void => {
    body.destroy();
  };
  if (signal.aborted) {
    onAbort();
  } else {
    signal.addEventListener("abort", onAbort, { once: true });
    body.once("close", () => signal.removeEventListener("abort", onAbort));
  }
  open(start, end).then(
    (source) => {
      if (body.destroyed) {
        source.destroy();
        return;
      }
      pipeline(source, body).catch(() => {
        // The consumer went away or the source failed: both streams are destroyed, the response ends early.
      });
    },
    (error: unknown) => body.destroy(error as Error),
  );
  // Node's web ReadableStream is the global one at runtime; only the
  // TypeScript declarations (node:stream/web vs DOM lib) differ.
  return Readable.toWeb(body) as unknown as ReadableStream<Uint8Array>;
}

/**
 * Passes `source` through, counting bytes, and calls `onComplete` when the
 * consumer (the server writing to the socket) has pulled all `length` bytes
 * and the end. A client that disconnects cancels the stream first, so it is
 * not counted. Pull-based: still one chunk at a time, no extra buffering.
 */
function onFullyRead(
  source: ReadableStream<Uint8Array>,
  length: number,
  onComplete: () => void | Promise<void>,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let sent = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          if (sent === length) {
            try {
              await onComplete();
            } catch (error) {
              console.error("[ferry] download completion hook failed", error);
            }
          }
          return;
        }
        sent += value.byteLength;
        controller.enqueue(value);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * A pull-based body: the file is read only when the response asks for the next
 * chunk, with at most READ_AHEAD_CHUNKS read in advance, so every download holds
 * a fixed few chunks whatever the client's speed (the Node stream + `Readable.toWeb`
 * pair this replaces buffered in two places and grew with slow readers). The file
 * is opened on the first pull and closed at the end, on cancel (the framework
 * cancels the body when the client goes away) and on the request's abort signal,
 * a second line of defence should the framework abort without cancelling.
 */
function fileBody(filePath: string, start: number, end: number, signal: AbortSignal): ReadableStream<Uint8Array> {
  let handle: FileHandle | null = null;
  let position = start;
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    signal.removeEventListener("abort", close);
    void handle?.close().catch(() => {});
  };
  signal.addEventListener("abort", close, { once: true });
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (closed || signal.aborted) {
          close();
          controller.error(new Error("The download was aborted."));
          return;
        }
        try {
          handle ??= await openFile(filePath, "r");
          const want = Math.min(READ_CHUNK_BYTES, end + 1 - position);
          const chunk = Buffer.allocUnsafeSlow(want);
          const { bytesRead } = await handle.read(chunk, 0, want, position);
          // The file shrank under us: end early rather than send made-up bytes.
          if (bytesRead === 0) throw new Error(`${filePath} ended before byte ${position}`);
          position += bytesRead;
          controller.enqueue(bytesRead === want ? chunk : chunk.subarray(0, bytesRead));
          if (position > end) {
            close();
            controller.close();
          }
        } catch (error) {
          close();
          controller.error(error);
        }
      },
      cancel() {
        close();
      },
    },
    new CountQueuingStrategy({ highWaterMark: READ_AHEAD_CHUNKS }),
  );
}

// etagc per RFC 9110 §8.8.3 (visible ASCII except DQUOTE, plus obs-text).
const ETAG_CHARS = /^[\x21\x23-\x7e\x80-\xff]+$/;
const ENTITY_TAG = /(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"/g;

function toStrongEtag(value: string): string {
  const bare = value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  if (!ETAG_CHARS.test(bare)) {
    throw new RangeError(`Invalid ETag value: ${JSON.stringify(value)}`);
  }
  return `"${bare}"`;
}

/** If-None-Match uses weak comparison; If-Modified-Since only applies without it. */
function isNotModified(requestHeaders: Headers, etag: string, lastModified: Date | undefined): boolean {
  const ifNoneMatch = requestHeaders.get("if-none-match");
  if (ifNoneMatch !== null) {
    if (ifNoneMatch.trim() === "*") return true;
    for (const match of ifNoneMatch.matchAll(ENTITY_TAG)) {
      if (`"${match[2] ?? ""}"` === etag) return true;
    }
    return false;
  }
  const ifModifiedSince = requestHeaders.get("if-modified-since");
  if (ifModifiedSince !== null && lastModified !== undefined) {
    const since = Date.parse(ifModifiedSince);
    return !Number.isNaN(since) && wholeSeconds(lastModified) <= since;
  }
  return false;
}

/** If-Range needs a strong match: an identical strong etag or the exact date. */
function ifRangeMatches(value: string, etag: string, lastModified: Date | undefined): boolean {
  const trimmed = value.trim();
  if (trimmed.startsWith('"') || trimmed.startsWith("W/")) {
    return trimmed === etag;
  }
  const date = Date.parse(trimmed);
  return lastModified !== undefined && !Number.isNaN(date) && wholeSeconds(lastModified) === date;
}

// HTTP dates have one-second resolution.
function wholeSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000) * 1000;
}
