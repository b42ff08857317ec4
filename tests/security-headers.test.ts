/** Security headers on pages, API and install files; HSTS only behind https. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type FerryServer, startFerry } from "./helpers/ferry-server";
import { passwordSession } from "./helpers/session";

let http: FerryServer;
let https: FerryServer;

before(async () => {
  [http, https] = await Promise.all([startFerry(), startFerry({ env: { PUBLIC_URL: "https://ferry.example.com" } })]);
});
after(async () => Promise.all([http?.stop(), https?.stop()]));

test("pages carry a strict, nonce-based CSP that the page's own scripts use", async () => {
  const res = await fetch(`${http.baseUrl}/sign-in`);
  assert.equal(res.status, 200);
  const csp = res.headers.get("content-security-policy") ?? "";
  const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
  assert.ok(nonce, csp);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.match(csp, /object-src 'none'/);
  assert.doesNotMatch(csp, /script-src[^;]*'unsafe-inline'/);
  const html = await res.text();
  const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
  assert.ok(scripts.length > 0);
  for (const tag of scripts) assert.ok(tag.includes(`nonce="${nonce}"`), `script without the nonce: ${tag}`);
  const again = await fetch(`${http.baseUrl}/sign-in`);
  assert.notEqual(
    /'nonce-([^']+)'/.exec(again.headers.get("content-security-policy") ?? "")?.[1],
    nonce,
    "fresh nonce per request",
  );
});

test("every response says nosniff, no framing, a referrer policy", async () => {
  for (const path of ["/sign-in", "/api/v1/apps", "/d/not-a-token/app.ipa"]) {
    const res = await fetch(`${http.baseUrl}${path}`);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff", path);
    assert.equal(res.headers.get("x-frame-options"), "DENY", path);
    assert.equal(res.headers.get("referrer-policy"), "same-origin", path);
  }
});

test("pages carry no ETag: each is personal (a fresh nonce and CSRF token), so none could match", async () => {
  const session = await passwordSession(http.baseUrl, http.admin.email, http.admin.password);
  assert.ok(session);
  // The sign-in page, a page without the React runtime (lite) and an App Router page.
  for (const path of ["/sign-in", "/admin/users", "/settings/tokens"]) {
    const res: Response = await fetch(`${http.baseUrl}${path}`, { headers: { cookie: session } });
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get("etag"), null, path);
    await res.text();
  }
});

test("HSTS only when PUBLIC_URL is https", async () => {
  assert.equal((await fetch(`${http.baseUrl}/sign-in`)).headers.get("strict-transport-security"), null);
  for (const path of ["/sign-in", "/api/v1/apps"]) {
    const hsts = (await fetch(`${https.baseUrl}${path}`)).headers.get("strict-transport-security") ?? "";
    assert.match(hsts, /max-age=31536000/, path);
  }
});

test("cookie-authenticated uploads from another origin are refused (CSRF)", async () => {
  const session = await passwordSession(http.baseUrl, http.admin.email, http.admin.password);
  assert.ok(session);
  const res = await fetch(`${http.baseUrl}/api/v1/builds`, {
    method: "POST",
    headers: { cookie: session, origin: "https://evil.example.com", "content-type": "application/octet-stream" },
    body: "x",
  });
  assert.equal(res.status, 403);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, "forbidden");
});

test("posts to pages (server actions) without proof of our origin are refused", async () => {
  const session = await passwordSession(http.baseUrl, http.admin.email, http.admin.password);
  assert.ok(session);
  const variants: Record<string, string>[] = [
    {},
    { origin: "https://evil.example.com" },
    { "sec-fetch-site": "cross-site" },
  ];
  for (const extra of variants) {
    const res: Response = await fetch(`${http.baseUrl}/admin/groups`, {
      method: "POST",
      headers: { cookie: session, "next-action": "0".repeat(40), "content-type": "text/plain", ...extra },
      body: "[]",
    });
    assert.equal(res.status, 403, JSON.stringify(extra));
  }
});
