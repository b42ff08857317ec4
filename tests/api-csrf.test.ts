/**
 * CSRF, by construction: every write (POST, PUT, PATCH, DELETE) of every
 * route under app/api/v1 that accepts a cookie refuses a signed-in admin's
 * request that does not come from Ferry's own origin, before it reads the
 * body or changes anything. The routes are found by walking app/api/v1, so
 * a new route is covered without being listed here.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { createToken, type FerryServer, ROOT, startFerry } from "./helpers/ferry-server";
import { generateIpa } from "./helpers/generate-ipa";
import { passwordSession } from "./helpers/session";

const API_DIR = path.join(ROOT, "app", "api", "v1");
type WriteRoute = { method: string; segments: string[]; file: string };

/** Every write method exported by a route file that is not a publicApiRoute (no cookie authority there). */
function cookieWriteRoutes(): WriteRoute[] {
  const out: WriteRoute[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name === "route.ts") {
        const source = fs.readFileSync(full, "utf8");
        const segments = path.relative(API_DIR, dir).split(path.sep);
        for (const m of source.matchAll(/export\s+(?:const|(?:async\s+)?function)\s+(POST|PUT|PATCH|DELETE)\b/g)) {
          const method = m[1] ?? "";
          // A public handler carries no cookie authority: nothing to forge.
          const isPublic = new RegExp(`export\\s+const\\s+${method}\\s*=\\s*publicApiRoute\\b`).test(source);
          if (!isPublic) out.push({ method, segments, file: path.relative(ROOT, full) });
        }
      }
    }
  };
  walk(API_DIR);
  return out.sort((a, b) => a.file.localeCompare(b.file) || a.method.localeCompare(b.method));
}

describe("cookie-authenticated writes need Ferry's own origin, on every write route", () => {
  let server: FerryServer;
  let cookie: string;
  let ids: Record<string, string>;
  let tmp: string;

  before(async () => {
    server = await startFerry();
    const token = await createToken(server);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-csrf-"));
    const file = path.join(tmp, "app.ipa");
    await generateIpa(file, {
      bundleId: "com.example.csrf",
      version: "1.0",
      buildNumber: "1",
      name: "Csrf",
      padBytes: 0,
    });
    const upload = await fetch(`${server.baseUrl}/api/v1/builds`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
      body: fs.readFileSync(file),
    });
    assert.equal(upload.status, 201);
    const { build } = (await upload.json()) as { build: { id: string; appId: string } };
    // Real ids where the route names one, so a forged write would have something to change.
    ids = { appId: build.appId, buildId: build.id, channel: "default", webhookId: crypto.randomUUID() };
    const session = await passwordSession(server.baseUrl, server.admin.email, server.admin.password);
    assert.ok(session);
    cookie = session;
  });
  after(async () => {
    await server?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const routes = cookieWriteRoutes();

  test("the walk finds the write routes (the builds upload, notes, promote, delete, webhooks, devices)", () => {
    const found = routes.map((r) => `${r.method} ${r.segments.join("/")}`);
    for (const expected of [
      "POST builds",
      "PATCH builds/[buildId]",
      "DELETE builds/[buildId]",
      "POST builds/[buildId]/channels",
      "POST apps/[appId]/webhooks",
      "DELETE apps/[appId]/webhooks/[webhookId]",
      "POST devices/import",
      "POST profiles/inspect",
    ]) {
      assert.ok(found.includes(expected), `${expected} not found among ${found.join(", ")}`);
    }
    assert.ok(!found.includes("POST devices/profile-service"), "the iOS enrollment post is public");
  });

  const urlOf = (route: WriteRoute) =>
    `${server.baseUrl}/api/v1/${route.segments
      .map((s) => {
        const name = /^\[(.+)\]$/.exec(s)?.[1];
        return name ? encodeURIComponent(ids[name] ?? crypto.randomUUID()) : s;
      })
      .join("/")}`;

  const forgeries: Array<[string, Record<string, string>]> = [
    ["without Origin or Sec-Fetch-Site", {}],
    ["from another origin", { origin: "https://evil.example" }],
    ["marked cross-site", { "sec-fetch-site": "cross-site", origin: "null" }],
  ];

  for (const [label, headers] of forgeries) {
    test(`an admin's cookie ${label}: 403 "Cross-site request refused." on every write route`, async () => {
      for (const route of routes) {
        const res = await fetch(urlOf(route), {
          method: route.method,
          headers: { cookie, "content-type": "application/json", ...headers },
          body: JSON.stringify({ notes: "forged", channel: "forged", url: "https://evil.example/hook" }),
        });
        const body = (await res.json()) as { error?: { code: string; message: string } };
        assert.equal(res.status, 403, `${route.method} ${route.file}`);
        assert.deepEqual(
          body.error,
          { code: "forbidden", message: "Cross-site request refused." },
          `${route.method} ${route.file}`,
        );
      }
      // Nothing changed: the build is still there, with no notes and in no channel but its own.
      const check = await fetch(`${server.baseUrl}/api/v1/builds/${ids.buildId}`, { headers: { cookie } });
      assert.equal(check.status, 200);
      const { build } = (await check.json()) as { build: { notes: string | null; channels: string[] } };
      assert.equal(build.notes, null);
      assert.deepEqual(build.channels, ["default"]);
    });
  }

  test("the same cookie from Ferry's own origin passes the check (the test tells the two apart)", async () => {
    const res = await fetch(`${server.baseUrl}/api/v1/builds/${ids.buildId}`, {
      method: "PATCH",
      headers: { cookie, "content-type": "application/json", "sec-fetch-site": "same-origin" },
      body: JSON.stringify({ notes: "from our own page" }),
    });
    assert.equal(res.status, 200);
    const { build } = (await res.json()) as { build: { notes: string | null } };
    assert.equal(build.notes, "from our own page");
  });
});
