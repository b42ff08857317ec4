import { createHash, randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { AppError } from "@/lib/errors";
import { formatBytes } from "@/lib/ui/format";

export type ReceivedFile = { path: string; size: number; sha256: string };

/**
 * Streams an upload into a temporary file under `tmpDir` while hashing it,
 * never holding it whole in memory. The file is fsynced before returning so a
 * build we later acknowledge survives a crash. Any failure removes the file.
 */
export async function receiveToTempFile(
  source: AsyncIterable<Uint8Array>,
  options: { tmpDir: string; maxBytes: number },
): Promise<ReceivedFile> {
  await fs.mkdir(options.tmpDir, { recursive: true });
  const file = path.join(options.tmpDir, `upload-${randomUUID()}.part`);
  const hash = createHash("sha256");
  const out = createWriteStream(file, { flags: "wx", mode: 0o600 });
  let size = 0;
  let streamError: Error | null = null;
  out.on("error", (error) => {
    streamError = error;
  });
  try {
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
      if (!out.write(chunk)) {
        await new Promise<void>((resolve, reject) => {
          const onDrain = () => {
            out.off("error", onError);
            resolve();
          };
          const onError = (error: Error) => {
            out.off("drain", onDrain);
            reject(error);
          };
          out.once("drain", onDrain);
          out.once("error", onError);
        });
      }
    }
    if (size === 0)
      throw new AppError(
        "empty_body",
        'The upload is empty: send the .ipa file as the request body or in the form field "file".',
      );
    await new Promise<void>((resolve, reject) => {
      out.end((error?: Error | null) => (error ? reject(error) : resolve()));
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
    out.destroy();
    await fs.rm(file, { force: true });
    throw error;
  }
}
