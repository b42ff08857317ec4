import fs from "node:fs";
import type { ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import { currentServerRequest } from "@/lib/http/server-request";

/**
 * Direct send: Ferry's own HTTP server (scripts/start.ts) writes a download's
 * bytes to the socket itself instead of Next.js piping a web ReadableStream
 * into it. Next.js' pipe holds a chunk in its WritableStream queue, one in the
 * socket and the read-ahead of the source, all freshly allocated per chunk and
 * freed only by garbage collection: ~1 MiB per download at 256 KiB chunks, so
 * 100 concurrent downloads cost ~100 MiB. Sent here, a download holds two
 * reused buffers (one being read from disk while the other is written) and a
 * buffer is refilled only once the socket has taken it: a fixed 2 × 512 KiB
 * per download, whatever the client's speed, and no garbage per chunk.
 *
 * The route handler finds the Node response through the request's async
 * context (lib/http/server-request.ts): `fileResponse` hands the body over and
 * returns a Response without one; when Next.js ends that empty response, the
 * body is sent here. Outside Ferry's server there is no context and
 * `fileResponse` streams as before.
 */

/** What to send after the headers: bytes `start`…`end` (inclusive) of a file, or a stream of them. */
export type DirectSendJob = {
  /** A file on disk (the fast path), or a function opening bytes `start`…`end` (object storage). */
  filePath?: string;
  openRange?: (start: number, end: number) => Promise<Readable>;
  start: number;
  end: number;
  /** Called once the last byte was handed to the socket; never for a transfer the client abandoned. */
  onComplete?: () => void | Promise<void>;
};

/**
 * Called by `fileResponse`: takes over the end of this request's Node response
 * to send the body, and returns true; false when this request is not served
 * by Ferry's server (or its response is already gone).
 */
export function handOverBody(job: DirectSendJob): boolean {
  const res = currentServerRequest()?.res;
  if (!res || res.writableEnded) return false;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.end = ((...args: unknown[]) => {
    res.end = end as ServerResponse["end"];
    // The job only replaces an empty end (Next.js ending a body-less Response); an error page with a body wins.
    if (args[0] !== undefined && typeof args[0] !== "function") return end(...args);
    void sendBody(res, job, end);
    return res;
  }) as ServerResponse["end"];
  return true;
}

// 512 KiB: on a quiet machine (`npm run bench:hot`, 2026-11-29) one client got
// 0.44× nginx's throughput at 128 KiB and 0.78× at 512 KiB (fewer reads and
// writes per GB), while 100 concurrent downloads stay at ~260 MiB of RSS.
export const DIRECT_SEND_CHUNK_BYTES = 512 * 1024;
const CHUNK_BYTES = DIRECT_SEND_CHUNK_BYTES;
// Buffers of finished downloads are kept for the next ones, up to this many
// (8 MiB), so a steady stream of downloads allocates nothing.
const POOL_MAX = 16;
const pool: Buffer[] = [];

function takeBuffer(): Buffer {
  return pool.pop() ?? Buffer.allocUnsafeSlow(CHUNK_BYTES);
}

function giveBack(buffers: Buffer[]): void {
  for (const buffer of buffers) if (pool.length < POOL_MAX) pool.push(buffer);
}

async function sendBody(
  res: ServerResponse,
  job: DirectSendJob,
  end: (...args: unknown[]) => ServerResponse,
): Promise<void> {
  let complete = false;
  try {
    if (job.filePath !== undefined) complete = await sendFile(res, job.filePath, job.start, job.end);
    else if (job.openRange) complete = await sendStream(res, await job.openRange(job.start, job.end));
  } catch {
    // Unreadable file or failed source: the response ends short of its Content-Length, the client sees an error.
    res.destroy();
    return;
  }
  if (!complete) {
    res.destroy();
    return;
  }
  end();
  if (job.onComplete) {
    try {
      await job.onComplete();
    } catch (error) {
      console.error("[ferry] download completion hook failed", error);
    }
  }
}

/**
 * Double-buffered: while buffer A is being written to the socket, buffer B is
 * filled from disk; A is refilled only after its write callback (the socket
 * took the bytes), so neither buffer is ever touched while Node still holds it.
 */
async function sendFile(res: ServerResponse, filePath: string, start: number, end: number): Promise<boolean> {
  const fd = await fs.promises.open(filePath, "r");
  const buffers = [takeBuffer(), takeBuffer()];
  const written: (Promise<boolean> | null)[] = [null, null];
  let position = start;
  try {
    for (let turn = 0; position <= end; turn ^= 1) {
      const buffer = buffers[turn] as Buffer;
      if (written[turn] && !(await written[turn])) return false;
      if (res.destroyed) return false;
      const want = Math.min(CHUNK_BYTES, end + 1 - position);
      const { bytesRead } = await fd.read(buffer, 0, want, position);
      // The file shrank under us: end early rather than send made-up bytes.
      if (bytesRead === 0) throw new Error(`${filePath} ended before byte ${position}`);
      position += bytesRead;
      written[turn] = write(res, buffer.subarray(0, bytesRead));
    }
    const results = await Promise.all(written);
    return results.every((ok) => ok !== false);
  } finally {
    await fd.close().catch(() => {});
    // Only once every write settled (or the socket is gone): a pooled buffer must not be reused under a pending write.
    await Promise.allSettled(written);
    giveBack(buffers);
  }
}

/** Resolves true once the socket took `chunk`, false if the connection went away first. */
function write(res: ServerResponse, chunk: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    if (res.destroyed) {
      resolve(false);
      return;
    }
    const onClose = () => resolve(false);
    res.once("close", onClose);
    res.write(chunk, (error) => {
      res.off("close", onClose);
      resolve(!error);
    });
  });
}

/** Object storage: the backend's Node stream piped with backpressure, no web stream in between. */
function sendStream(res: ServerResponse, source: Readable): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const onClose = () => {
      source.destroy();
      resolve(false);
    };
    res.once("close", onClose);
    source.once("end", () => {
      res.off("close", onClose);
      resolve(!res.destroyed);
    });
    source.once("error", (error) => {
      res.off("close", onClose);
      reject(error);
    });
    source.pipe(res, { end: false });
  });
}
