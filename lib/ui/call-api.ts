/**
 * The browser's one way to call Ferry's JSON API from a client component: it
 * never throws, and every failure comes back as the sentence to show — the
 * API's own `error.message` (a specific refusal), else the status, else
 * "could not be reached" for a network failure. Aborted calls are failures
 * too; callers that abort check their signal before showing anything.
 */
export type ApiResult<T> =
  | { ok: true; status: number; body: T }
  | { ok: false; status: number; message: string; code?: string };

export const UNREACHABLE = "Ferry could not be reached. Try again.";

export async function callApi<T = unknown>(
  url: string,
  options: { method?: string; json?: unknown; form?: FormData; signal?: AbortSignal } = {},
): Promise<ApiResult<T>> {
  const { method = "GET", json, form, signal } = options;
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: json !== undefined ? { "content-type": "application/json" } : undefined,
      body: json !== undefined ? JSON.stringify(json) : form,
      signal,
    });
  } catch {
    return { ok: false, status: 0, message: UNREACHABLE };
  }
  const body = res.status === 204 ? null : ((await res.json().catch(() => null)) as unknown);
  if (res.ok) return { ok: true, status: res.status, body: body as T };
  const error = (body as { error?: { message?: string; code?: string } } | null)?.error;
  return {
    ok: false,
    status: res.status,
    message: error?.message ?? `The request failed (${res.status}).`,
    code: error?.code,
  };
}
