import fs from "node:fs/promises";
import { Readable } from "node:stream";
import type { ReadableStream as NodeWebReadableStream } from "node:stream/web";
import busboy from "busboy";
import { AppError } from "@/lib/errors";
import { formatBytes } from "@/lib/ui/format";
import { type ReceivedFile, receiveToTempFile } from "@/lib/upload/receive-upload";

export type UploadRequest = { file: ReceivedFile; fields: Record<string, string> };

// Multipart framing and small text fields on top of the file itself.
const MULTIPART_OVERHEAD = 1024 * 1024;
const MAX_FIELD_BYTES = 64 * 1024;

/**
 * Reads an upload into a temporary file: either the raw .ipa as the body
 * (`application/octet-stream`) or multipart form data with the file in field
 * `file` (what `curl -F file=@App.ipa` sends). The caller owns the temp file.
 */
export async function readUploadRequest(
  request: Request,
  options: { tmpDir: string; maxBytes: number },
): Promise<UploadRequest> {
  try {
    return await readUpload(request, options);
  } catch (error) {
    // Clients that are still sending see a connection reset instead of our
    // answer if we reply mid-body; swallow a bounded remainder first.
    if (error instanceof AppError && error.code === "payload_too_large") await drain(request, DRAIN_LIMIT);
    throw error;
  }
}

const DRAIN_LIMIT = 64 * 1024 * 1024;

async function drain(request: Request, limit: number): Promise<void> {
  if (!request.body) return;
  let seen = 0;
  try {
    for await (const chunk of bodyChunks(request.body)) {
      seen += chunk.byteLength;
      if (seen > limit) return;
    }
  } catch {
    // The client went away: nothing left to drain.
  }
}

async function readUpload(request: Request, options: { tmpDir: string; maxBytes: number }): Promise<UploadRequest> {
  const contentType = request.headers.get("content-type") ?? "application/octet-stream";
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  const isMultipart = /^multipart\/form-data/i.test(contentType);
  const tooLarge = () =>
    new AppError(
      "payload_too_large",
      `The upload is larger than the maximum of ${formatBytes(options.maxBytes)} (MAX_UPLOAD_SIZE).`,
    );

  // Refuse early when the client tells us the size.
  if (Number.isFinite(declared) && declared > options.maxBytes + (isMultipart ? MULTIPART_OVERHEAD : 0))
    throw tooLarge();
  if (!request.body)
    throw new AppError(
      "empty_body",
      'The upload is empty: send the .ipa as the request body or in the form field "file".',
    );

  if (!isMultipart) {
    if (/^(application\/json|application\/x-www-form-urlencoded|text\/)/i.test(contentType)) {
      throw new AppError(
        "unsupported_media_type",
        `Send the .ipa as application/octet-stream or as multipart/form-data with the field "file", not ${contentType.split(";")[0]}.`,
      );
    }
    const file = await receiveToTempFile(bodyChunks(request.body), options);
    return { file, fields: {} };
  }
  return readMultipart(request, contentType, options);
}

async function* bodyChunks(body: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

function readMultipart(
  request: Request,
  contentType: string,
  options: { tmpDir: string; maxBytes: number },
): Promise<UploadRequest> {
  return new Promise<UploadRequest>((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: { "content-type": contentType },
        limits: { files: 1, fields: 20, fieldSize: MAX_FIELD_BYTES, fileSize: options.maxBytes + 1, parts: 40 },
      });
    } catch {
      reject(new AppError("bad_request", "The multipart/form-data body could not be read (missing boundary?)."));
      return;
    }
    const fields: Record<string, string> = {};
    let filePromise: Promise<ReceivedFile> | null = null;
    let failure: unknown = null;
    const fail = (error: unknown) => {
      failure ??= error;
    };

    parser.on("file", (name, stream) => {
      if (name !== "file" || filePromise) {
        stream.resume();
        fail(new AppError("bad_request", `Unexpected file field "${name}": send one .ipa in the field named "file".`));
        return;
      }
      filePromise = receiveToTempFile(stream, options);
      filePromise.catch((error: unknown) => {
        fail(error);
        stream.resume();
      });
    });
    parser.on("field", (name, value, info) => {
      if (info.valueTruncated) fail(new AppError("bad_request", `The field "${name}" is too long (at most 64 KB).`));
      fields[name] = value;
    });
    parser.on("filesLimit", () =>
      fail(new AppError("bad_request", 'Send exactly one file, in the field named "file".')),
    );
    parser.on("error", (error: unknown) => {
      fail(new AppError("bad_request", `The multipart/form-data body is malformed: ${(error as Error).message}`));
      finish();
    });
    parser.on("close", () => finish());

    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      const pending = filePromise;
      void (async () => {
        let file: ReceivedFile | null = null;
        try {
          if (pending) file = await pending;
        } catch (error) {
          fail(error);
        }
        if (failure) {
          if (file) await fs.rm(file.path, { force: true });
          reject(failure);
          return;
        }
        if (!file) {
          reject(
            new AppError(
              "empty_body",
              'No file in the form: send the .ipa in the field named "file" (curl -F file=@MyApp.ipa).',
            ),
          );
          return;
        }
        resolve({ file, fields });
      })();
    };

    const source = Readable.fromWeb(request.body as unknown as NodeWebReadableStream<Uint8Array>);
    source.on("error", (error) => {
      fail(new AppError("bad_request", `The upload was interrupted: ${error.message}`));
      finish();
    });
    // Once the upload has failed (e.g. over the size limit), read at most
    // DRAIN_LIMIT more bytes so the client can see our answer, then stop.
    let consumed = 0;
    let failedAt: number | null = null;
    source.on("data", (chunk: Buffer) => {
      consumed += chunk.length;
      if (failure !== null && failedAt === null) failedAt = consumed;
      if (failedAt !== null && consumed - failedAt > DRAIN_LIMIT) {
        source.unpipe(parser);
        source.destroy();
        finish();
      }
    });
    source.pipe(parser);
  });
}
