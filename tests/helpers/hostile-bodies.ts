import { type RawAnswer, rawRequest } from "./raw-http";

/**
 * Issue 20's hostile bodies: 300 MB sent (or declared) to the sign-in endpoint
 * without signing in and to the JSON routes with an admin token. Ferry must
 * answer each with 413 after reading at most the route's small limit. Shared
 * by the memory test and `npm run bench:load`.
 */
export const HOSTILE_BODY_BYTES = 300 * 1024 * 1024;

export type HostileTarget = { name: string; method: string; path: string; headers: Record<string, string> };

export function hostileTargets(options: { adminToken: string; buildId: string; appId: string }): HostileTarget[] {
  const json = { "Content-Type": "application/json", Authorization: `Bearer ${options.adminToken}` };
  const form = { "Content-Type": "application/x-www-form-urlencoded" };
  return [
    { name: "sign-in", method: "POST", path: "/api/auth/callback/credentials", headers: form },
    { name: "sign-out", method: "POST", path: "/api/auth/signout", headers: form },
    { name: "notes", method: "PATCH", path: `/api/v1/builds/${options.buildId}`, headers: json },
    { name: "promote", method: "POST", path: `/api/v1/builds/${options.buildId}/channels`, headers: json },
    { name: "webhook", method: "POST", path: `/api/v1/apps/${options.appId}/webhooks`, headers: json },
  ];
}

/** One hostile request: `declared` sends a 300 MB Content-Length (and a sliver), otherwise 300 MB chunked. */
export function sendHostileBody(port: number, target: HostileTarget, declared: boolean): Promise<RawAnswer> {
  return rawRequest(port, {
    method: target.method,
    path: target.path,
    headers: target.headers,
    ...(declared ? { contentLength: HOSTILE_BODY_BYTES, send: 64 * 1024 } : { send: HOSTILE_BODY_BYTES }),
    timeoutMs: 60_000,
  });
}
