import { AppError } from "@/lib/errors";
import { readSmallBody } from "@/lib/http/read-small-body";

/**
 * A small multipart/form-data (or urlencoded) body, read through readSmallBody
 * (413 past `maxBytes`) and parsed by the platform's own FormData parser.
 */
export async function readFormBody(request: Request, maxBytes: number): Promise<FormData> {
  const contentType = request.headers.get("content-type") ?? "";
  const body = await readSmallBody(request, maxBytes);
  try {
    return await new Response(new Uint8Array(body), { headers: { "content-type": contentType } }).formData();
  } catch {
    throw new AppError("bad_request", "The form data cannot be read: send multipart/form-data.");
  }
}

/** A form field as bytes (a file part or a text field); null when absent. */
export async function formBytes(form: FormData, name: string): Promise<Buffer | null> {
  const value = form.get(name);
  if (value === null) return null;
  if (typeof value === "string") return Buffer.from(value, "utf8");
  return Buffer.from(await value.arrayBuffer());
}

/** A text field (a file part is read as UTF-8); null when absent. */
export async function formText(form: FormData, name: string): Promise<string | null> {
  const bytes = await formBytes(form, name);
  return bytes === null ? null : bytes.toString("utf8");
}
