import { Readable } from "node:stream";
import type { ReadableStream as NodeWebReadableStream } from "node:stream/web";
import busboy from "busboy";
import { AppError, isAppError } from "@/lib/errors";
import { formatBytes } from "@/lib/ui/format";
import { takeRawRequestBody } from "@/lib/upload/raw-request-body";
import { discardTempFile, type ReceivedFile, receiveToTempFile } from "@/lib/upload/receive-upload";

export type UploadRequest = { file: ReceivedFile; fields: Record<string, string> };

// Multipart framing and small text fields on top of the file itself.
const MULTIPART_OVERHEAD = 1024 * 1024;
const MAX_FIELD_BYTES = 64 * 1024;
// After a failure we read at most this much more so a client still sending can
// see our answer instead of a connection reset; then we stop reading.
const DRAIN_LIMIT = 64 * 1024 * 1024;

const interrupted = () => new AppError("bad_request", "The upload was interrupted: the client stopped sending.");

/**
 * Reads an upload into a temporary file: either the raw .ipa as the body
 * (`application/octet-stream`) or multipart form data with the file in field
 * `file` (what `curl -F file=@App.ipa` sends). The caller owns the temp file.
 * Every path ends with an answer or a freed temp file: a client that goes away
 * (or is closed for idling) stops the read at once.
 */
export async function readUploadRequest(
  request: Request,
  options: { tmpDir: string; maxBytes: number },
): Promise<UploadRequest> {
  const contentType = request.headers.get("content-type") ?? "application/octet-stream";
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  const isMultipart = /^multipart\/form-data/i.test(contentType);

  // Refuse early when the client tells us the size.
  if (Number.isFinite(declared) && declared > options.maxBytes + (isMultipart ? MULTIPART_OVERHEAD : 0))
    throw tooLarge(options.maxBytes);
  if (!request.body)
    throw new AppError(
      "empty_body",
      'The upload is empty: send the .ipa as the request body or in the form field "file".',
    );
  if (!isMultipart && /^(application\/json|application\/x-www-form-urlencoded|text\/)/i.test(contentType)) {
    throw new AppError(
      "unsupported_media_type",
      `Send the .ipa as application/octet-stream or as multipart/form-data with the field "file", not ${contentType.split(";")[0]}.`,
    );
  }

  // Node's own stream when Ferry's server hands it over (much cheaper per byte); the web stream otherwise.
  const source: Readable =
    takeRawRequestBody() ?? Readable.fromWeb(request.body as unknown as NodeWebReadableStream<Uint8Array>);
  let gone = false;
  source.on("error", () => {
    gone = true;
  });
  const onAbort = () => {
    gone = true;
    source.destroy(interrupted());
  };
  if (request.signal.aborted) onAbort();
  request.signal.addEventListener("abort", onAbort, { once: true });
  try {
    if (isMultipart) return await readMultipart(source, contentType, options);
    try {
      // Not destroyed on early exit: we may still drain it below.
      const file = await receiveToTempFile(source, options);
      return { file, fields: {} };
    } catch (error) {
      if (!gone && isAppError(error) && DRAINED_CODES.has(error.code)) await drain(source, DRAIN_LIMIT);
      source.destroy();
      throw error;
    }
  } catch (error) {
    throw gone && !isAppError(error) ? interrupted() : error;
  } finally {
    request.signal.removeEventListener("abort", onAbort);
  }
}

/** Failures the client should read as an answer even while it is still sending. */
const DRAINED_CODES = new Set(["payload_too_large", "insufficient_storage"]);

function tooLarge(maxBytes: number): AppError {
  return new AppError(
    "payload_too_large",
    `The upload is larger than the maximum of ${formatBytes(maxBytes)} (MAX_UPLOAD_SIZE).`,
  );
}

async function drain(source: Readable, limit: number): Promise<void> {
  let seen = 0;
  try {
    for await (const chunk of source.iterator({ destroyOnReturn: true })) {
      seen += (chunk as Buffer).byteLength;
      if (seen > limit) return;
    }
  } catch {
    // The client went away: nothing left to drain.
  }
}

function readMultipart(
  source: Readable,
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
      source.destroy();
      reject(new AppError("bad_request", "The multipart/form-data body could not be read (missing boundary?)."));
      return;
    }
    const fields: Record<string, string> = {};
    let filePromise: Promise<ReceivedFile> | null = null;
    let fileStream: Readable | null = null;
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
      fileStream = stream;
      // Not destroyed on early exit: busboy stalls if its file stream is destroyed, so
      // after a failure we discard the rest of the part instead (resume below).
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
      // No more bytes will reach the file: end its reader now rather than wait forever.
      if (failure) fileStream?.destroy(failure instanceof Error ? failure : interrupted());
      const pending = filePromise;
      void (async () => {
        let file: ReceivedFile | null = null;
        try {
          if (pending) file = await pending;
        } catch (error) {
          fail(error);
        }
        if (failure) {
          if (file) await discardTempFile(file.path);
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

    source.on("error", (error) => {
      fail(isAppError(error) ? error : interrupted());
      source.unpipe(parser);
      finish();
    });
    // Once the upload has failed (e.g. over the size limit or disk full), read at
    // most DRAIN_LIMIT more bytes so the client can see our answer, then stop.
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
