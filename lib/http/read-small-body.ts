import { AppError } from "@/lib/errors";

/**
 * Reads a request body that is small by nature (a device's answer, a device
 * list) into memory, refusing it with 413 as soon as it passes `maxBytes`:
 * a lying or absent Content-Length cannot make us hold more.
 */
export async function readSmallBody(request: Request, maxBytes: number): Promise<Buffer> {
  const tooLarge = () => new AppError("payload_too_large", `The request body is larger than ${maxBytes} bytes.`);
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  if (!request.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let total = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks);
}

/**
 * A JSON request body read through readSmallBody (413 past `maxBytes`); null
 * when it is not JSON, for the caller's schema to refuse with its own sentence.
 * Route handlers check the caller's right before calling it.
 */
export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  const body = await readSmallBody(request, maxBytes);
  try {
    return JSON.parse(body.toString("utf8")) as unknown;
  } catch {
    return null;
  }
}
