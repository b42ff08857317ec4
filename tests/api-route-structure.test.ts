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
import { API_ROUTE } from "@/lib/http/api-route";

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

test("only the OpenAPI document and iOS' device enrollment post are public", async () => {
  const publicOps: string[] = [];
  for (const file of routeFiles()) {
    const kinds = handlerKinds((await import(pathToFileURL(file).href)) as Record<string, unknown>);
    for (const [method, kind] of Object.entries(kinds)) {
      if (kind === "public") publicOps.push(`${method} ${path.relative(API_DIR, path.dirname(file))}`);
    }
  }
  assert.deepEqual(publicOps.sort(), ["GET openapi.json", "POST devices/profile-service"]);
});

const bareHandler = async () => new Response("hi");

test("the check fails on a bare handler (it can fail)", () => {
  assert.deepEqual(handlerKinds({ ["GET"]: bareHandler, ["POST"]: Object.assign(bareHandler, {}) }), {
    GET: "bare",
    POST: "bare",
  });
});
