import type { z } from "zod";
import { type Actor, userActor } from "@/lib/access/actor";
import { type Action, authorize } from "@/lib/access/policy";
import { type Caller, requireCaller } from "@/lib/auth/session";
import { parseInput } from "@/lib/errors";
import { errorResponse } from "@/lib/http/api-errors";
import { JSON_BODY_MAX_BYTES } from "@/lib/http/body-limits";
import { readJsonBody, readSmallBody } from "@/lib/http/read-small-body";
import { requestContext } from "@/lib/http/request-context";
import { assertSameOrigin } from "@/lib/http/same-origin";
import type { TokenScope } from "@/lib/tokens/scopes";
import type { UserDto } from "@/lib/users/data";

/**
 * The one way to write a handler under app/api/v1 (the model: dub's
 * `withWorkspace`). In this order, for every request:
 *
 * 1. authentication: `Authorization: Bearer <token>`, else the session cookie (401);
 * 2. token scope, from the HTTP method: reads need `read`, writes `upload`
 *    (403); a route may name a stronger scope for every method (`sign`);
 * 3. `permission` (lib/access/policy.ts), before any byte of the body is read (403);
 * 4. writes (any method but GET/HEAD/OPTIONS) authenticated by the cookie must
 *    come from our own origin (CSRF, 403): decided here from the method, so
 *    no route can forget it;
 * 5. the body: `json` (a zod schema; at most JSON_BODY_MAX_BYTES, 413 past it;
 *    400 with the schema's sentence), `bytes` (raw, at most that many bytes),
 *    or `stream` (the route reads `request.body` itself, e.g. the upload);
 * 6. the handler, with the caller, the `Actor` for mutations and the parsed
 *    body; any error becomes `{ error: { code, message } }` (lib/http/api-errors.ts).
 *
 * Routes iOS or anyone calls without credentials use `publicApiRoute`: no
 * cookie or token carries authority there, so there is nothing to forge.
 * Body limits per route stay in lib/http/body-limits.ts (the server enforces
 * them too); a route reading a body must be listed there with `readBy: "route"`.
 */

const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function isWriteMethod(method: string): boolean {
  return !READ_METHODS.has(method.toUpperCase());
}

/** The token scope a method needs: the one rule, so a read-only token never writes. */
export function scopeForMethod(method: string): TokenScope {
  return isWriteMethod(method) ? "upload" : "read";
}

export type BodySpec = { json: z.ZodType; maxBytes?: number } | { bytes: number } | { stream: true };

type BodyOf<B> = B extends { json: infer S extends z.ZodType }
  ? z.infer<S>
  : B extends { bytes: number }
    ? Buffer
    : undefined;

type ParamsOf<K extends string> = { [P in K]: string };

/** What Next.js passes as the second argument of a route handler. */
export type RouteContext<K extends string> = { params: Promise<ParamsOf<K>> };

export type ApiHandler<K extends string> = ((request: Request, context: RouteContext<K>) => Promise<Response>) & {
  readonly [API_ROUTE]: "caller" | "public";
  /** How the handler reads its body (null: it reads none), checked against lib/http/body-limits.ts by a test. */
  readonly [API_ROUTE_BODY]: BodySpec | null;
};

/** Marks handlers made here: tests/api-route-structure.test.ts requires it on every export of app/api/v1. */
export const API_ROUTE: unique symbol = Symbol.for("ferry.api-route");
export const API_ROUTE_BODY: unique symbol = Symbol.for("ferry.api-route.body");

export type ApiRequest<K extends string, B> = {
  request: Request;
  params: ParamsOf<K>;
  caller: Caller;
  user: UserDto;
  /** The caller as the Actor every mutation takes (with the request's IP and user agent for the audit). */
  actor: Actor;
  body: B;
};

type Options<K extends string, B extends BodySpec | undefined> = {
  /** Path parameters of the route's folder (`[appId]` → "appId"). */
  params?: readonly K[];
  body?: B;
  /**
   * The token scope the route needs whatever the method: `sign` (signing
   * identities, re-signing, jobs), or `read` for a write that only changes the
   * caller's own preferences (watching an app); without it, the method decides.
   */
  scope?: Exclude<TokenScope, "upload">;
} & (B extends BodySpec
  ? {
      /** Checked before the body is read: a body is only ever read for someone allowed to send it. */
      permission: Action;
    }
  : { permission?: Action });

async function readBody(request: Request, spec: BodySpec | undefined): Promise<unknown> {
  if (!spec || "stream" in spec) return undefined;
  if ("bytes" in spec) return readSmallBody(request, spec.bytes);
  return parseInput(spec.json, await readJsonBody(request, spec.maxBytes ?? JSON_BODY_MAX_BYTES));
}

function mark<K extends string>(
  kind: "caller" | "public",
  body: BodySpec | undefined,
  fn: (request: Request, context: RouteContext<K>) => Promise<Response>,
): ApiHandler<K> {
  return Object.assign(fn, { [API_ROUTE]: kind, [API_ROUTE_BODY]: body ?? null } as const);
}

/** An authenticated API handler (see the comment at the top of this file). */
export function apiRoute<K extends string = never, B extends BodySpec | undefined = undefined>(
  options: Options<K, B>,
  handler: (input: ApiRequest<K, BodyOf<B>>) => Promise<Response>,
): ApiHandler<K> {
  return mark("caller", options.body, async (request, context) => {
    try {
      const caller = await requireCaller(request, options.scope ?? scopeForMethod(request.method));
      if (options.permission) authorize(caller.user, options.permission);
      if (caller.via === "session" && isWriteMethod(request.method)) assertSameOrigin(request);
      const params = ((await context?.params) ?? {}) as ParamsOf<K>;
      const body = (await readBody(request, options.body)) as BodyOf<B>;
      const actor = userActor(caller.user, requestContext(request.headers));
      return await handler({ request, params, caller, user: caller.user, actor, body });
    } catch (error) {
      return errorResponse(error);
    }
  });
}

/** A handler anyone may call without credentials (the OpenAPI document; iOS posting its device attributes). */
export function publicApiRoute<K extends string = never, B extends BodySpec | undefined = undefined>(
  options: { params?: readonly K[]; body?: B },
  handler: (input: { request: Request; params: ParamsOf<K>; body: BodyOf<B> }) => Promise<Response>,
): ApiHandler<K> {
  return mark("public", options.body, async (request, context) => {
    try {
      const params = ((await context?.params) ?? {}) as ParamsOf<K>;
      const body = (await readBody(request, options.body)) as BodyOf<B>;
      return await handler({ request, params, body });
    } catch (error) {
      return errorResponse(error);
    }
  });
}
