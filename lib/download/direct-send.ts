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
 * buffer is refilled only once the socket has taken it: two buffers of
 * 128 KiB–1 MiB per download (smaller as more run at once), whatever the client's speed, and no garbage per chunk.
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

// Buffer size per download: large while few downloads run (fewer reads and
// writes per GB: on a quiet machine one client got 0.44× nginx's throughput at
// 128 KiB and 0.78× at 512 KiB, `npm run bench:hot`), smaller as more run at
// once, so all downloads' buffers together stay near BUFFER_BUDGET (100
// concurrent downloads: ~100 MiB at most, most of them at the floor).
export const DIRECT_SEND_MAX_CHUNK = 1024 * 1024;
const MIN_CHUNK = 128 * 1024;
const BUFFER_BUDGET = 32 * 1024 * 1024;
let activeDownloads = 0;

/** The largest power of two between MIN_CHUNK and MAX_CHUNK that keeps `active` downloads' two buffers within the budget. */
export function chunkBytesFor(active: number): number {
  let size = DIRECT_SEND_MAX_CHUNK;
  while (size > MIN_CHUNK && 2 * size * active > BUFFER_BUDGET) size /= 2;
  return size;
}

// Buffers of finished downloads are kept for the next ones (per size, up to
// POOL_BYTES in all), so a steady stream of downloads allocates nothing.
const POOL_BYTES = 8 * 1024 * 1024;
const pool = new Map<number, Buffer[]>();
let pooledBytes = 0;

function takeBuffer(size: number): Buffer {
  const buffer = pool.get(size)?.pop();
  if (!buffer) return Buffer.allocUnsafeSlow(size);
  pooledBytes -= size;
  return buffer;
}

function giveBack(buffers: Buffer[]): void {
  for (const buffer of buffers) {
    if (pooledBytes + buffer.length > POOL_BYTES) continue;
    const list = pool.get(buffer.length) ?? [];
    list.push(buffer);
    pool.set(buffer.length, list);
    pooledBytes += buffer.length;
  }
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
  activeDownloads += 1;
  const size = chunkBytesFor(activeDownloads);
  const buffers = [takeBuffer(size), takeBuffer(size)];
  const written: (Promise<boolean> | null)[] = [null, null];
  let position = start;
  try {
    for (let turn = 0; position <= end; turn ^= 1) {
      const buffer = buffers[turn] as Buffer;
      if (written[turn] && !(await written[turn])) return false;
      if (res.destroyed) return false;
      const want = Math.min(size, end + 1 - position);
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
    activeDownloads -= 1;
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
