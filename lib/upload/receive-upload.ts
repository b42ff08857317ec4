import { createHash, randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { AppError } from "@/lib/errors";
import { asStorageError } from "@/lib/storage/storage-errors";
import { markUploadDone, markUploadInProgress } from "@/lib/storage/uploads-in-progress";
import { formatBytes } from "@/lib/ui/format";

export type ReceivedFile = { path: string; size: number; sha256: string };

/**
 * Streams an upload into a temporary file under `tmpDir` while hashing it,
 * never holding it whole in memory. The file is fsynced before returning so a
 * build we later acknowledge survives a crash. Any failure removes the file
 * (a full disk becomes `insufficient_storage`). The source is not destroyed
 * when we stop early: the caller decides whether to drain it so the client
 * can still read our answer. The caller owns the returned file and must end
 * with `discardTempFile` (also after moving it).
 */
export async function receiveToTempFile(
  source: AsyncIterable<Uint8Array>,
  options: { tmpDir: string; maxBytes: number },
): Promise<ReceivedFile> {
  const file = path.join(options.tmpDir, `upload-${randomUUID()}.part`);
  markUploadInProgress(file);
  let out: ReturnType<typeof createWriteStream> | null = null;
  try {
    await fs.mkdir(options.tmpDir, { recursive: true });
    const stream = createWriteStream(file, { flags: "wx", mode: 0o600 });
    out = stream;
    const hash = createHash("sha256");
    let size = 0;
    let streamError: Error | null = null;
    stream.on("error", (error) => {
      streamError = error;
    });
    for await (const chunk of source) {
      if (streamError) throw streamError;
      size += chunk.byteLength;
      if (size > options.maxBytes) {
        throw new AppError(
          "payload_too_large",
          `The upload is larger than the maximum of ${formatBytes(options.maxBytes)} (MAX_UPLOAD_SIZE).`,
        );
      }
      hash.update(chunk);
      if (!stream.write(chunk)) {
        await new Promise<void>((resolve, reject) => {
          const onDrain = () => {
            stream.off("error", onError);
            resolve();
          };
          const onError = (error: Error) => {
            stream.off("drain", onDrain);
            reject(error);
          };
          stream.once("drain", onDrain);
          stream.once("error", onError);
        });
      }
    }
    if (size === 0)
      throw new AppError(
        "empty_body",
        'The upload is empty: send the .ipa file as the request body or in the form field "file".',
      );
    await new Promise<void>((resolve, reject) => {
      stream.end((error?: Error | null) => (error ? reject(error) : resolve()));
    });
    if (streamError) throw streamError;
    const handle = await fs.open(file, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    return { path: file, size, sha256: hash.digest("hex") };
  } catch (error) {
    out?.destroy();
    await discardTempFile(file);
    throw asStorageError(error);
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
