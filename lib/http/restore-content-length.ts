import type { ServerResponse } from "node:http";

/**
 * Next.js (16) strips Content-Length from every route handler response
 * (FORBIDDEN_HEADERS in next/dist/server/send-response.js) and sends bodies
 * chunked. iOS shows install progress from Content-Length and HEAD must carry
 * it, so file responses also set this alias, which the server turns back into
 * the real header before anything is written.
 */
export const CONTENT_LENGTH_ALIAS = "x-ferry-content-length";

export function restoreContentLength(res: ServerResponse): void {
  const setHeader = res.setHeader.bind(res);
  res.setHeader = ((name: string, value: number | string | readonly string[]) => {
    if (name.toLowerCase() === CONTENT_LENGTH_ALIAS) {
      const length = Array.isArray(value) ? value[0] : value;
      if (/^\d+$/.test(String(length))) return setHeader("content-length", String(length));
      return res;
    }
    return setHeader(name, value);
  }) as ServerResponse["setHeader"];
}
