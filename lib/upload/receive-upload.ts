import { createHash, randomUUID } from "node:crypto";
import fs, { type FileHandle } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { AppError } from "@/lib/errors";
import { asStorageError } from "@/lib/storage/storage-errors";
import { markUploadDone, markUploadInProgress } from "@/lib/storage/uploads-in-progress";
import { formatBytes } from "@/lib/ui/format";

export type ReceivedFile = {
  path: string;
  size: number;
  sha256: string;
  /**
   * Settles once the file is fsynced and closed. Every byte is written (readable by analysis)
   * when the file is handed over, so the final fsync runs while the build is analysed; whoever
   * acknowledges the upload awaits this first. A rejection here is never unhandled.
   */
  durable: Promise<void>;
};

// Socket chunks (64 KiB) are gathered into writes of this size: fewer syscalls and thread-pool round trips.
// Small on purpose: a chunk held until its write completes outlives scavenges, gets promoted, and its
// 64 KiB are then freed only by a full GC; 1 MiB batches (2 MiB queued) measured a 1 GB upload ~25%
// faster than 4 MiB (8 MiB queued), and 256 KiB batches slower again.
const WRITE_BATCH_BYTES = 1024 * 1024;
// Reading waits for the disk once this much is held besides the write in flight: bounded memory per upload.
const MAX_PENDING_BYTES = 2 * 1024 * 1024;
// Flushed to disk while the upload still arrives, so the fsync before the answer has little left to write.
const SYNC_EVERY_BYTES = 64 * 1024 * 1024;

/**
 * Streams an upload into a temporary file under `tmpDir` while hashing it,
 * never holding it whole in memory. Every byte is written when this returns;
 * `durable` settles once it is fsynced, so a build acknowledged after awaiting
 * it survives a crash. Any failure while receiving removes the file
 * (a full disk becomes `insufficient_storage`). The source is not destroyed
 * when we stop early: the caller decides whether to drain it so the client
 * can still read our answer. The caller owns the returned file and must end
 * with `discardTempFile` (also after moving it).
 */
export async function receiveToTempFile(
  source: Readable,
  options: { tmpDir: string; maxBytes: number },
): Promise<ReceivedFile> {
  const file = path.join(options.tmpDir, `upload-${randomUUID()}.part`);
  markUploadInProgress(file);
  let writer: TempFileWriter | null = null;
  try {
    await fs.mkdir(options.tmpDir, { recursive: true });
    const out = new TempFileWriter(await fs.open(file, "wx", 0o600));
    writer = out;
    const hash = createHash("sha256");
    const size = await pump(source, options.maxBytes, (chunk) => {
      hash.update(chunk);
      return out.push(chunk);
    });
    if (size === 0)
      throw new AppError(
        "empty_body",
        'The upload is empty: send the .ipa file as the request body or in the form field "file".',
      );
    await out.flush();
    const durable = out.finish();
    durable.catch(() => {});
    return { path: file, size, sha256: hash.digest("hex"), durable };
  } catch (error) {
    await writer?.abort();
    await discardTempFile(file);
    throw asStorageError(error);
  }
}

/**
 * Hands each chunk of `source` to `take` until the source ends; resolves with
 * the byte count. Data events rather than async iteration: no promise per
 * 64 KiB chunk (they add up over a GB). Paused while `take` returns a promise.
 * On failure the source is left paused, not destroyed.
 */
function pump(source: Readable, maxBytes: number, take: (chunk: Buffer) => Promise<void> | null): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let size = 0;
    let done = false;
    const stop = (error?: unknown) => {
      if (done) return;
      done = true;
      source.off("data", onData);
      source.off("end", onEnd);
      source.off("close", onClose);
      source.off("error", stop);
      // Errors after we stopped are the caller's concern, never an uncaught exception.
      source.on("error", () => {});
      if (error === undefined) {
        resolve(size);
      } else {
        source.pause();
        reject(error);
      }
    };
    const onData = (chunk: Buffer) => {
      if (done) return;
      size += chunk.byteLength;
      if (size > maxBytes) {
        stop(
          new AppError(
            "payload_too_large",
            `The upload is larger than the maximum of ${formatBytes(maxBytes)} (MAX_UPLOAD_SIZE).`,
          ),
        );
        return;
      }
      let wait: Promise<void> | null;
      try {
        wait = take(chunk);
      } catch (error) {
        stop(error);
        return;
      }
      if (wait) {
        source.pause();
        wait.then(() => {
          if (!done) source.resume();
        }, stop);
      }
    };
    const onEnd = () => stop();
    const onClose = () => stop(source.errored ?? new Error("The upload stream closed before its end."));
    if (source.destroyed) {
      stop(source.errored ?? new Error("The upload stream was closed before it was read."));
      return;
    }
    source.on("error", stop);
    source.on("end", onEnd);
    source.on("close", onClose);
    source.on("data", onData);
  });
}

/**
 * Appends chunks to an open file: one write (of everything gathered) in flight
 * at a time, an fdatasync every SYNC_EVERY_BYTES in the background, and a
 * final fsync in `finish`.
 */
class TempFileWriter {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private position = 0;
  private writing: Promise<void> | null = null;
  private syncing: Promise<void> | null = null;
  private syncedTo = 0;
  private failure: { error: unknown } | null = null;

  constructor(private readonly handle: FileHandle) {}

  /** Queues a chunk (kept, not copied). Returns a promise to await before the next one when too much is queued. */
  push(chunk: Uint8Array): Promise<void> | null {
    if (this.failure) throw this.failure.error;
    this.pending.push(chunk);
    this.pendingBytes += chunk.byteLength;
    if (!this.writing) {
      if (this.pendingBytes >= WRITE_BATCH_BYTES) this.startWrite();
      return null;
    }
    return this.pendingBytes >= MAX_PENDING_BYTES ? this.settled() : null;
  }

  /** Writes what is left (to the page cache: readable, not yet durable). */
  async flush(): Promise<void> {
    while (this.writing || this.pendingBytes > 0) {
      if (!this.writing) this.startWrite();
      await this.settled();
    }
  }

  /** Writes what is left, then fsyncs and closes the file. */
  async finish(): Promise<void> {
    await this.flush();
    await this.syncing;
    if (this.failure) throw this.failure.error;
    await this.handle.sync();
    await this.handle.close();
  }

  /** Lets writes in flight end, then closes the file (the caller removes it). */
  async abort(): Promise<void> {
    this.pending = [];
    this.pendingBytes = 0;
    await this.writing;
    await this.syncing;
    await this.handle.close().catch(() => {});
  }

  /** Waits for the write in flight; throws if a write or sync failed. */
  private async settled(): Promise<void> {
    await this.writing;
    if (this.failure) throw this.failure.error;
  }

  private startWrite(): void {
    const buffers = this.pending;
    const bytes = this.pendingBytes;
    const position = this.position;
    this.pending = [];
    this.pendingBytes = 0;
    this.position += bytes;
    this.writing = writeAll(this.handle, buffers, position).then(
      () => {
        this.writing = null;
        if (this.failure) return;
        // Chunks that arrived meanwhile go out at once; smaller remainders wait for more (or `finish`).
        if (this.pendingBytes >= WRITE_BATCH_BYTES) this.startWrite();
        if (!this.syncing && this.position - this.syncedTo >= SYNC_EVERY_BYTES) this.startSync();
      },
      (error: unknown) => {
        this.writing = null;
        this.failure ??= { error };
      },
    );
  }

  private startSync(): void {
    const upTo = this.position;
    this.syncing = this.handle.datasync().then(
      () => {
        this.syncing = null;
        this.syncedTo = upTo;
      },
      (error: unknown) => {
        this.syncing = null;
        this.failure ??= { error };
      },
    );
  }
}

/** writev until every byte is written (a regular file may take fewer bytes, e.g. just before the disk is full). */
async function writeAll(handle: FileHandle, buffers: Uint8Array[], position: number): Promise<void> {
  let rest = buffers;
  let at = position;
  for (let i = 0; i < 1_000_000 && rest.length > 0; i++) {
    const total = rest.reduce((sum, buffer) => sum + buffer.byteLength, 0);
    const { bytesWritten } = await handle.writev(rest, at);
    if (bytesWritten >= total) return;
    if (bytesWritten === 0) throw new Error("the temporary upload file took no bytes");
    at += bytesWritten;
    let skip = bytesWritten;
    const next: Uint8Array[] = [];
    for (const buffer of rest) {
      if (skip >= buffer.byteLength) {
        skip -= buffer.byteLength;
        continue;
      }
      next.push(skip > 0 ? buffer.subarray(skip) : buffer);
      skip = 0;
    }
    rest = next;
  }
}

/** Removes a temporary upload file (if still there) and stops protecting it from the sweep. */
export async function discardTempFile(file: string): Promise<void> {
  try {
    await fs.rm(file, { force: true });
  } finally {
    markUploadDone(file);
  }
}
