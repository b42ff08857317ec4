/**
 * Who may do what, for every page, API route and install route: each role
 * (anonymous, member without access, member with access, uploader, admin,
 * disabled user) against its own app (granted to its group) and a foreign app
 * (restricted, granted to nobody). Cross-app ids must not leak.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { signInstallToken } from "@/lib/install-links/install-token";
import { createToken, type FerryServer, startFerry } from "./helpers/ferry-server";
import { generateIpa } from "./helpers/generate-ipa";
import { queryDatabase } from "./helpers/test-database";

type Role = "anonymous" | "memberNoAccess" | "memberWithAccess" | "uploader" | "admin" | "disabled";
const ROLES: Role[] = ["anonymous", "memberNoAccess", "memberWithAccess", "uploader", "admin", "disabled"];

type Actor = { role: Role; email: string; id: string; cookie: string; token: string };

let server: FerryServer;
let scratch: string;
const actors = {} as Record<Role, Actor>;
const apps = {} as Record<"own" | "foreign", { appId: string; buildId: string; bundleId: string }>;

async function sql<T extends Record<string, unknown>>(text: string, params: unknown[] = []) {
  return queryDatabase<T>(server.databaseUrl, text, params);
}

async function signIn(email: string, password: string): Promise<string> {
  const csrfRes = await fetch(`${server.baseUrl}/api/auth/csrf`);
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  const cookies = csrfRes.headers.getSetCookie().map((c) => c.split(";")[0]);
  const res = await fetch(`${server.baseUrl}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookies.join("; ") },
    body: new URLSearchParams({ csrfToken, email, password, json: "true" }),
  });
  const session = res.headers.getSetCookie().find((c) => c.startsWith("next-auth.session-token="));
  assert.ok(session, `sign-in as ${email}`);
  return session.split(";")[0]!;
}

let counter = 0;
async function ipaFor(bundleId: string): Promise<string> {
  counter += 1;
  const file = path.join(scratch, `b${counter}.ipa`);
  await generateIpa(file, { bundleId, version: "1.0", buildNumber: String(counter), name: "Matrix", padBytes: 256 });
  return file;
}

async function uploadAs(token: string | null, file: string, extraHeaders: Record<string, string> = {}) {
  const form = new FormData();
  form.append("file", await fs.openAsBlob(file), "m.ipa");
  const res = await fetch(`${server.baseUrl}/api/v1/builds`, {
    method: "POST",
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...extraHeaders },
    body: form,
  });
  const json = (await res.json()) as { build?: { id: string; appId: string } };
  return { status: res.status, json };
}

before(async () => {
  server = await startFerry();
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-matrix-"));
  const adminToken = await createToken(server);
  for (const [key, bundleId] of [
    ["own", "com.example.own"],
    ["foreign", "com.example.foreign"],
  ] as const) {
    const { json } = await uploadAs(adminToken, await ipaFor(bundleId));
    apps[key] = { appId: json.build!.appId, buildId: json.build!.id, bundleId };
  }
  const roleOf: Record<Role, string> = {
    anonymous: "member",
    memberNoAccess: "member",
    memberWithAccess: "member",
    uploader: "uploader",
    admin: "admin",
    disabled: "member",
  };
  for (const role of ROLES) {
    const email = role === "admin" ? server.admin.email : `${role.toLowerCase()}@example.com`;
    const password = role === "admin" ? server.admin.password : `${role}-password-123`;
    if (role !== "admin") {
      const created = await server.cli([
        "user",
        "create",
        "--email",
        email,
        "--password",
        password,
        "--role",
        roleOf[role],
      ]);
      assert.equal(created.code, 0, created.stderr);
    }
    const [row] = await sql<{ id: string }>("SELECT id FROM users WHERE email = $1", [email]);
    const cookie = role === "anonymous" ? "" : await signIn(email, password);
    const token = role === "anonymous" ? "" : await createToken(server, email);
    actors[role] = { role, email, id: row!.id, cookie, token };
  }
  // The own app is granted to a group holding the member with access, the uploader and the (soon disabled) user.
  const [group] = await sql<{ id: string }>(
    "INSERT INTO groups (id, name) VALUES (gen_random_uuid(), 'Team') RETURNING id",
  );
  for (const role of ["memberWithAccess", "uploader", "disabled"] as const) {
    await sql("INSERT INTO group_members (group_id, user_id) VALUES ($1, $2)", [group!.id, actors[role].id]);
  }
  await sql("INSERT INTO app_groups (app_id, group_id) VALUES ($1, $2)", [apps.own.appId, group!.id]);
  // Disabled after signing in and creating a token: both must stop working.
  const disabled = await server.cli(["user", "disable", "--email", actors.disabled.email]);
  assert.equal(disabled.code, 0, disabled.stderr);
});

after(async () => {
  await server?.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
});

type Expectation = Record<Role, number>;
const signInRedirect = 307;

async function page(actor: Actor, url: string): Promise<number> {
  const res = await fetch(`${server.baseUrl}${url}`, {
    headers: actor.cookie ? { cookie: actor.cookie } : {},
    redirect: "manual",
  });
  if (res.status === 307) assert.match(res.headers.get("location") ?? "", /\/sign-in/, url);
  return res.status;
}

async function api(actor: Actor, url: string): Promise<number> {
  const res = await fetch(`${server.baseUrl}${url}`, {
    headers: actor.token ? { authorization: `Bearer ${actor.token}` } : {},
  });
  return res.status;
}

function check(name: string, expected: Expectation, run: (actor: Actor) => Promise<number>) {
  test(name, async () => {
    const actual = {} as Expectation;
    for (const role of ROLES) actual[role] = await run(actors[role]);
    assert.deepEqual(actual, expected);
  });
}

const own = () => apps.own;
const foreign = () => apps.foreign;

describe("pages", () => {
  check(
    "GET /",
    { anonymous: 307, memberNoAccess: 200, memberWithAccess: 200, uploader: 200, admin: 200, disabled: 307 },
    (a) => page(a, "/"),
  );
  check(
    "GET /apps/<own>",
    { anonymous: signInRedirect, memberNoAccess: 404, memberWithAccess: 200, uploader: 200, admin: 200, disabled: 307 },
    (a) => page(a, `/apps/${own().appId}`),
  );
  check(
    "GET /apps/<foreign>",
    { anonymous: 307, memberNoAccess: 404, memberWithAccess: 404, uploader: 404, admin: 200, disabled: 307 },
    (a) => page(a, `/apps/${foreign().appId}`),
  );
  check(
    "GET /apps/<own>/builds/<own build>",
    { anonymous: 307, memberNoAccess: 404, memberWithAccess: 200, uploader: 200, admin: 200, disabled: 307 },
    (a) => page(a, `/apps/${own().appId}/builds/${own().buildId}`),
  );
  check(
    "GET /apps/<own>/builds/<foreign build> (cross-app id)",
    { anonymous: 307, memberNoAccess: 404, memberWithAccess: 404, uploader: 404, admin: 404, disabled: 307 },
    (a) => page(a, `/apps/${own().appId}/builds/${foreign().buildId}`),
  );
  check(
    "GET /upload",
    { anonymous: 307, memberNoAccess: 404, memberWithAccess: 404, uploader: 200, admin: 200, disabled: 307 },
    (a) => page(a, "/upload"),
  );

  test("the app list shows exactly the apps each role may see", async () => {
    const seen = {} as Record<Role, string[]>;
    for (const role of ROLES) {
      if (!actors[role].token) continue;
      const res = await fetch(`${server.baseUrl}/api/v1/apps`, {
        headers: { authorization: `Bearer ${actors[role].token}` },
      });
      seen[role] =
        res.status === 200
          ? ((await res.json()) as { apps: { bundleId: string }[] }).apps.map((x) => x.bundleId).sort()
          : [];
    }
    assert.deepEqual(seen, {
      memberNoAccess: [],
      memberWithAccess: ["com.example.own"],
      uploader: ["com.example.own"],
      admin: ["com.example.foreign", "com.example.own"],
      disabled: [],
    });
    const html = await (
      await fetch(`${server.baseUrl}/`, { headers: { cookie: actors.memberWithAccess.cookie } })
    ).text();
    assert.ok(html.includes(`/apps/${own().appId}`) && !html.includes(`/apps/${foreign().appId}`));
  });
});

describe("API", () => {
  check(
    "GET /api/v1/apps",
    { anonymous: 401, memberNoAccess: 200, memberWithAccess: 200, uploader: 200, admin: 200, disabled: 401 },
    (a) => api(a, "/api/v1/apps"),
  );
  check(
    "GET /api/v1/apps/<own>/builds",
    { anonymous: 401, memberNoAccess: 404, memberWithAccess: 200, uploader: 200, admin: 200, disabled: 401 },
    (a) => api(a, `/api/v1/apps/${own().appId}/builds`),
  );
  check(
    "GET /api/v1/apps/<foreign>/builds",
    { anonymous: 401, memberNoAccess: 404, memberWithAccess: 404, uploader: 404, admin: 200, disabled: 401 },
    (a) => api(a, `/api/v1/apps/${foreign().appId}/builds`),
  );
  check(
    "POST /api/v1/builds (new build of the own app)",
    { anonymous: 401, memberNoAccess: 403, memberWithAccess: 403, uploader: 201, admin: 201, disabled: 401 },
    async (a) => (await uploadAs(a.token || null, await ipaFor(own().bundleId))).status,
  );
  check(
    "POST /api/v1/builds (new build of the foreign app)",
    { anonymous: 401, memberNoAccess: 403, memberWithAccess: 403, uploader: 403, admin: 201, disabled: 401 },
    async (a) => (await uploadAs(a.token || null, await ipaFor(foreign().bundleId))).status,
  );
  check(
    "POST /api/v1/builds (a new app)",
    { anonymous: 401, memberNoAccess: 403, memberWithAccess: 403, uploader: 403, admin: 201, disabled: 401 },
    async (a) => (await uploadAs(a.token || null, await ipaFor(`com.example.new.${a.role.toLowerCase()}`))).status,
  );
  check(
    "POST /api/v1/profiles/inspect",
    { anonymous: 401, memberNoAccess: 403, memberWithAccess: 403, uploader: 200, admin: 200, disabled: 401 },
    async (a) => {
      const profile = path.resolve(
        import.meta.dirname,
        "../../shared/fixtures/profiles/app_info--ios_adhoc.mobileprovision",
      );
      const body = new FormData();
      body.append("file", await fs.openAsBlob(profile), "p.mobileprovision");
      const res = await fetch(`${server.baseUrl}/api/v1/profiles/inspect`, {
        method: "POST",
        headers: a.token ? { authorization: `Bearer ${a.token}` } : {},
        body,
      });
      return res.status;
    },
  );

  test("a read-only token cannot upload; an expired token is refused", async () => {
    const readOnly = await createToken(server, server.admin.email, ["--scopes", "read"]);
    assert.equal((await uploadAs(readOnly, await ipaFor(own().bundleId))).status, 403);
    const expiring = await createToken(server, server.admin.email, ["--expires", "60"]);
    await sql("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE expires_at IS NOT NULL");
    assert.equal(await api({ ...actors.admin, token: expiring }, "/api/v1/apps"), 401);
  });
});

describe("install links", () => {
  const later = () => new Date(Date.now() + 3_600_000);
  async function manifest(actor: Actor, buildId: string): Promise<number> {
    if (actor.role === "anonymous") return (await fetch(`${server.baseUrl}/d/not-a-token/manifest.plist`)).status;
    const token = signInstallToken({ buildId, userId: actor.id, expiresAt: later() }, server.authSecret);
    return (await fetch(`${server.baseUrl}/d/${token}/manifest.plist`)).status;
  }
  check(
    "manifest of the own build",
    { anonymous: 404, memberNoAccess: 404, memberWithAccess: 200, uploader: 200, admin: 200, disabled: 403 },
    (a) => manifest(a, own().buildId),
  );
  check(
    "manifest of the foreign build (a token for a build you cannot see)",
    { anonymous: 404, memberNoAccess: 404, memberWithAccess: 404, uploader: 404, admin: 200, disabled: 403 },
    (a) => manifest(a, foreign().buildId),
  );

  test("links are minted only for users who may install the build", async () => {
    const res = await fetch(`${server.baseUrl}/api/v1/apps/${foreign().appId}/builds`, {
      headers: { authorization: `Bearer ${actors.memberWithAccess.token}` },
    });
    assert.equal(res.status, 404);
    const html = await (
      await fetch(`${server.baseUrl}/apps/${foreign().appId}`, { headers: { cookie: actors.memberWithAccess.cookie } })
    ).text();
    assert.ok(!html.includes("itms-services://"));
  });
});
