/**
 * Every handler under app/api/v1 is made by lib/http/api-route.ts (apiRoute or
 * publicApiRoute), so authentication, token scope, the permission checked
 * before the body, the same-origin check of cookie writes and error mapping
 * cannot be forgotten by a new route. No server needed: the route modules are
 * imported and their exports inspected.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { API_ROUTE, API_ROUTE_BODY, type BodySpec } from "@/lib/http/api-route";
import { bodyLimitFor, JSON_BODY_MAX_BYTES } from "@/lib/http/body-limits";

const ROOT = path.resolve(import.meta.dirname, "..");
const API_DIR = path.join(ROOT, "app", "api", "v1");
const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

function routeFiles(dir = API_DIR, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) routeFiles(full, out);
    else if (/^route\.(ts|tsx|js)$/.test(entry.name)) out.push(full);
  }
  return out.sort();
}

/** The kinds of handler a module exports, by method: "caller", "public", or "bare" for anything else. */
function handlerKinds(module: Record<string, unknown>): Record<string, string> {
  const kinds: Record<string, string> = {};
  for (const method of HTTP_METHODS) {
    const handler = module[method];
    if (handler === undefined) continue;
    const kind = typeof handler === "function" ? (handler as { [API_ROUTE]?: string })[API_ROUTE] : undefined;
    kinds[method] = kind ?? "bare";
  }
  return kinds;
}

test("every route file under app/api/v1 exports only handlers made by apiRoute or publicApiRoute", async () => {
  const files = routeFiles();
  assert.ok(files.length >= 10, `found only ${files.length} route files`);
  const bare: string[] = [];
  for (const file of files) {
    const kinds = handlerKinds((await import(pathToFileURL(file).href)) as Record<string, unknown>);
    const rel = path.relative(ROOT, file);
    assert.ok(Object.keys(kinds).length > 0, `${rel} exports no HTTP method`);
    for (const [method, kind] of Object.entries(kinds)) if (kind === "bare") bare.push(`${method} ${rel}`);
  }
  assert.deepEqual(bare, [], "handlers not made by lib/http/api-route.ts");
});

/**
 * The routes no session or API token may call, each with what authorizes it
 * instead: nothing (the document), iOS' signed post (enrollment), the app's
 * update key (the update check), the email's signed token (unsubscribe), nginx's shared secret and
 * Ferry's signed receipt (an offloaded download's completion report).
 */
test("only the OpenAPI document, iOS' enrollment post, the update check, one-click unsubscribe and nginx's download report are public", async () => {
  const publicOps: string[] = [];
  for (const file of routeFiles()) {
    const kinds = handlerKinds((await import(pathToFileURL(file).href)) as Record<string, unknown>);
    for (const [method, kind] of Object.entries(kinds)) {
      if (kind === "public") publicOps.push(`${method} ${path.relative(API_DIR, path.dirname(file))}`);
    }
  }
  assert.deepEqual(publicOps.sort(), [
    "GET apps/[appId]/latest",
    "GET openapi.json",
    "POST devices/profile-service",
    "POST downloads/completed",
    "POST notifications/unsubscribe",
  ]);
});

test("a handler reads a body exactly where lib/http/body-limits.ts says the route reads it, with the same cap", async () => {
  const UPLOAD = 4 * 1024 ** 3;
  const problems: string[] = [];
  for (const file of routeFiles()) {
    const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    // The folder as a request path, each [param] as a sample value.
    const urlPath = `/api/v1/${path
      .relative(API_DIR, path.dirname(file))
      .split(path.sep)
      .map((s) => (/^\[.+\]$/.test(s) ? "0f8fad5b-d9cb-469f-a165-70867728950e" : s))
      .join("/")}`;
    for (const method of HTTP_METHODS) {
      const handler = module[method] as { [API_ROUTE_BODY]?: BodySpec | null } | undefined;
      if (!handler) continue;
      const spec = handler[API_ROUTE_BODY] ?? null;
      const limit = bodyLimitFor(method, urlPath, UPLOAD);
      const where = `${method} ${urlPath}`;
      if (!spec) {
        if (limit.readBy !== "server") problems.push(`${where}: listed as read by the route, but reads no body`);
        continue;
      }
      if (limit.readBy !== "route") problems.push(`${where}: reads a body but body-limits.ts does not list it`);
      const cap = "json" in spec ? (spec.maxBytes ?? JSON_BODY_MAX_BYTES) : "bytes" in spec ? spec.bytes : null;
      if (cap !== null && cap !== limit.maxBytes)
        problems.push(`${where}: reads up to ${cap}, the server allows ${limit.maxBytes}`);
    }
  }
  assert.deepEqual(problems, []);
});

const bareHandler = async () => new Response("hi");

test("the check fails on a bare handler (it can fail)", () => {
  const bareModule = Object.fromEntries([
    ["GET", bareHandler],
    ["POST", Object.assign(async () => new Response(), { marked: "not by the wrapper" })],
  ]);
  assert.deepEqual(handlerKinds(bareModule), { GET: "bare", POST: "bare" });
});
