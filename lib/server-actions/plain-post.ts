import type { IncomingMessage, ServerResponse } from "node:http";
import { csrfTokenMatches, csrfTokenOfCookies, mintCsrfCookie } from "@/lib/auth/csrf-token";
import { env, requireAuthSecret } from "@/lib/config/env";
import { PLAIN_POST_MAX_BYTES } from "@/lib/http/body-limits";
import { nodeHeaders, requestContext } from "@/lib/http/request-context";
import { isSameOriginRequest, publicOrigin } from "@/lib/http/same-origin";
import type { ActionState } from "@/lib/server-actions/action-state";
import { type FormAction, runFormAs } from "@/lib/server-actions/form-action";
import type { UserDto } from "@/lib/users/data";

/**
 * Forms of the pages served without the React runtime (pages/, "lite"): a
 * plain HTML post to the page itself, answered like a server action but with
 * the web's own means. The page's getServerSideProps gates the reader first
 * (sign-in, 404), then hands a POST here:
 *
 * - the body: url-encoded, at most PLAIN_POST_MAX_BYTES or the page's maxBytes (lib/http/body-limits.ts: Ferry's
 *   server refuses a larger one before the page runs; read here with the same bound);
 * - CSRF: the form's `csrfToken` must be the one in next-auth's double-submit
 *   cookie, and the request must come from Ferry's own pages (lib/http/same-origin.ts);
 * - `_action` names the form among the page's FormActions (one definition with
 *   its schema and domain call, lib/server-actions/form-action.ts);
 * - success: 303 back to the page (reloading does not post again), the message
 *   carried once by a short-lived cookie (the flash);
 * - failure: the page again, status 422, with the error and what was typed.
 */

const FLASH_COOKIE = "ferry-flash";
const FLASH_MAX_CHARS = 1000;

type NodeRequest = IncomingMessage & { cookies: Partial<Record<string, string>> };
type Context = { req: NodeRequest; res: ServerResponse; resolvedUrl: string };

/** Which form a message belongs to: its `_action` and, for a form per row, the row's key field. */
export type PostedForm = { action: string; key: string | null };

/** What a page shows after a post: the message (success or error) and, after an error, what was typed. */
export type PostResult = PostedForm & {
  state: NonNullable<ActionState>;
  values: Record<string, string>;
};

/**
 * The page's forms, by `_action`; `key` names the field that tells a row's forms apart (e.g. userId),
 * and `anchor` the element id of that row, which the page scrolls back to after the post. `maxBytes`:
 * a page whose form sends more than PLAIN_POST_MAX_BYTES (its entry in lib/http/body-limits.ts says the same).
 */
export type PageForms = {
  forms: Record<string, FormAction>;
  key?: string;
  anchor?: (key: string) => string;
  maxBytes?: number;
};

/**
 * Runs a POST to a lite page: a redirect (303, success) or the result to
 * render (error, status set to 422 or 403). Call only for a signed-in reader
 * the page let through.
 */
async function handlePlainPost(
  context: Context,
  user: UserDto,
  page: PageForms,
): Promise<{ redirect: { destination: string; statusCode: 303 } } | { result: PostResult }> {
  // Not any one form's fault: shown at the top of the page (action "").
  const refuse = (status: number, error: string) => {
    context.res.statusCode = status;
    return { result: { action: "", key: null, state: { error }, values: {} } };
  };
  // proxy.ts refuses these first; checked again here, where the post is acted on.
  if (!isSameOriginRequest(nodeHeaders(context.req.headers), publicOrigin())) {
    return refuse(403, "This form was sent from another site. Reload the page and try again.");
  }
  const type = String(context.req.headers["content-type"] ?? "")
    .split(";")[0]
    ?.trim();
  if (type !== "application/x-www-form-urlencoded") return refuse(415, "Send this form from its page.");
  const body = await readBody(context.req, page.maxBytes ?? PLAIN_POST_MAX_BYTES);
  if (body === null) return refuse(413, "This form is too large.");
  const params = new URLSearchParams(body);
  const action = params.get("_action") ?? "";
  const form = Object.hasOwn(page.forms, action) ? page.forms[action] : undefined;
  if (!form) return refuse(400, "This form is not on this page any more. Reload the page and try again.");
  if (!csrfTokenMatches((name) => context.req.cookies[name], params.get("csrfToken"))) {
    return refuse(403, "This form has expired. Reload the page and try again.");
  }
  const formData = new FormData();
  for (const [name, value] of params) if (name !== "_action" && name !== "csrfToken") formData.append(name, value);
  const state = await runFormAs(user, requestContext(nodeHeaders(context.req.headers)), formData, form);
  const key = page.key ? (params.get(page.key) ?? null) : null;
  if (state?.ok) {
    setFlash(context, { action, key, state, values: {} });
    const fragment = key && page.anchor ? `#${page.anchor(key)}` : "";
    return { redirect: { destination: `${context.resolvedUrl}${fragment}`, statusCode: 303 } };
  }
  context.res.statusCode = 422;
  const values: Record<string, string> = {};
  // What was typed comes back into the form; a password never does.
  for (const [name, value] of formData) if (typeof value === "string" && !/password/i.test(name)) values[name] = value;
  return { result: { action, key, state: state ?? { error: "Nothing was done." }, values } };
}

/**
 * A lite page's getServerSideProps, for its forms: after the page's gate let
 * `user` through, a POST is run (a redirect to return, or the result to show)
 * and a GET takes the last post's message.
 */
export async function plainPostOrFlash(
  context: Context,
  user: UserDto,
  page: PageForms,
): Promise<{ redirect: { destination: string; statusCode: 303 } } | { result: PostResult | null }> {
  if (context.req.method === "POST") return handlePlainPost(context, user, page);
  return { result: takeFlash(context) };
}

/** The page gate's redirect (to sign-in), as a 303 after a post: the browser must come back with a GET. */
export function gateRedirect<R extends { destination: string }>(
  context: Context,
  redirect: R,
): R | { destination: string; statusCode: 303 } {
  return context.req.method === "POST" ? { destination: redirect.destination, statusCode: 303 } : redirect;
}

/** The message of the last successful post to this page, once (the cookie is cleared as it is read). */
function takeFlash(context: Context): PostResult | null {
  const raw = context.req.cookies[FLASH_COOKIE];
  if (!raw) return null;
  appendSetCookie(context.res, `${FLASH_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax${secureFlag()}`);
  try {
    const flash = JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as Partial<PostResult>;
    if (typeof flash.action !== "string" || !flash.state || typeof flash.state !== "object") return null;
    const message = "message" in flash.state && typeof flash.state.message === "string" ? flash.state.message : null;
    const warning = "tone" in flash.state && flash.state.tone === "warning";
    // Page props are JSON: no undefined.
    const state = {
      ok: true as const,
      ...(message === null ? {} : { message }),
      ...(warning ? { tone: "warning" as const } : {}),
    };
    return { action: flash.action, key: typeof flash.key === "string" ? flash.key : null, state, values: {} };
  } catch {
    return null;
  }
}

/**
 * The CSRF token for the page's forms: the one in the reader's cookie, or a new
 * cookie (next-auth's format, so its own endpoints accept it too) when the
 * browser has none (it is a session cookie; the sign-in cookie lasts longer).
 */
export function csrfTokenForForms(context: Context): string {
  const token = csrfTokenOfCookies((name) => context.req.cookies[name]);
  if (token) return token;
  const secure = env().publicUrlIsHttps;
  const cookie = mintCsrfCookie(requireAuthSecret(), secure);
  appendSetCookie(context.res, `${cookie.name}=${cookie.value}; Path=/; HttpOnly; SameSite=Lax${secureFlag()}`);
  return cookie.value.split("|")[0] ?? "";
}

/** The body as text, or null once it passes `maxBytes` (the rest is not read). */
async function readBody(req: IncomingMessage, maxBytes: number): Promise<string | null> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > maxBytes) return null;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function setFlash(context: Context, flash: PostResult): void {
  const full = flash.state.ok ? (flash.state.message ?? null) : null;
  // A cookie holds about 4 KB, and a browser drops a larger one whole.
  const message = full && full.length > FLASH_MAX_CHARS ? `${full.slice(0, FLASH_MAX_CHARS - 1)}…` : full;
  // A warning (what a retention setting would delete) keeps its tone.
  const tone = flash.state.ok ? (flash.state.tone ?? null) : null;
  const value = Buffer.from(
    JSON.stringify({ action: flash.action, key: flash.key, state: { ok: true, message, tone } }),
  ).toString("base64url");
  appendSetCookie(context.res, `${FLASH_COOKIE}=${value}; Path=/; Max-Age=60; HttpOnly; SameSite=Lax${secureFlag()}`);
}

function secureFlag(): string {
  return env().publicUrlIsHttps ? "; Secure" : "";
}

function appendSetCookie(res: ServerResponse, cookie: string): void {
  const current = res.getHeader("set-cookie");
  const list = Array.isArray(current) ? current : current === undefined ? [] : [String(current)];
  res.setHeader("set-cookie", [...list, cookie]);
}
