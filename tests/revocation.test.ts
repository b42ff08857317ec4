/**
 * Revocation over real HTTP: signing out ends that session on the server (a
 * copy of its cookie, even one renewed before, no longer reaches a page or the
 * API), and install links minted before a disable, "sign out everywhere" or a
 * new password stay dead, also once the user is enabled again; "sign out
 * everywhere" revokes API tokens too.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import { after, before, describe, test } from "node:test";
import { createToken, type FerryServer, startFerry } from "./helpers/ferry-server";
import { postPlainForm } from "./helpers/server-actions";
import { passwordSession } from "./helpers/session";
import { makeTestBuild } from "./helpers/test-builds";
import { queryDatabase } from "./helpers/test-database";

const MEMBER = { email: "revoked.member@example.com", password: "member-password-1" };

let server: FerryServer;
let appId: string;
let memberId: string;

async function sql<T extends Record<string, unknown>>(text: string, params: unknown[] = []) {
  return queryDatabase<T>(server.databaseUrl, text, params);
}

async function signIn(email: string, password: string): Promise<string> {
  const session = await passwordSession(server.baseUrl, email, password);
  assert.ok(session, `signed in as ${email}`);
  return session;
}

/** What the Sign out button does: next-auth's CSRF token, then POST /api/auth/signout. */
async function signOut(cookie: string): Promise<void> {
  const csrfRes = await fetch(`${server.baseUrl}/api/auth/csrf`, { headers: { cookie } });
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  const csrfCookies = csrfRes.headers.getSetCookie().map((c) => c.split(";")[0]);
  const res = await fetch(`${server.baseUrl}/api/auth/signout`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: [cookie, ...csrfCookies].join("; ") },
    body: new URLSearchParams({ csrfToken, callbackUrl: "/sign-in", json: "true" }),
  });
  assert.equal(res.status, 200);
  const cleared = res.headers.getSetCookie().find((c) => c.startsWith("next-auth.session-token="));
  assert.match(cleared ?? "", /^next-auth\.session-token=;/, "the browser's cookie is cleared");
}

/** Whether a session cookie still reaches a page and the API. */
async function reaches(cookie: string): Promise<{ page: number; api: number }> {
  const page = await fetch(`${server.baseUrl}/`, { headers: { cookie }, redirect: "manual" });
  const api = await fetch(`${server.baseUrl}/api/v1/apps`, { headers: { cookie } });
  await Promise.all([page.arrayBuffer(), api.arrayBuffer()]);
  return { page: page.status, api: api.status };
}

const SIGNED_IN = { page: 200, api: 200 };
const SIGNED_OUT = { page: 307, api: 401 };

/** GET /api/auth/session: next-auth answers with the session and re-issues the cookie with a fresh expiry. */
async function renew(cookie: string): Promise<{ body: Record<string, unknown>; cookie: string | null }> {
  const res = await fetch(`${server.baseUrl}/api/auth/session`, { headers: { cookie } });
  const body = (await res.json()) as Record<string, unknown>;
  const renewed = res.headers.getSetCookie().find((c) => c.startsWith("next-auth.session-token="));
  return { body, cookie: renewed ? (renewed.split(";")[0] ?? null) : null };
}

/** An admin's form on the users page (a plain post, lib/users/forms.ts), as the browser sends it. */
async function adminAction(name: string, fields: [string, string][]): Promise<void> {
  const res = await postPlainForm(server.baseUrl, {
    path: "/admin/users",
    fields: [["_action", name], ...fields],
    cookie: await signIn(server.admin.email, server.admin.password),
  });
  assert.equal(res.status, 303, res.html.slice(0, 2000));
  // Back to the page, at the user's row.
  assert.match(res.location ?? "", /^\/admin\/users#user-[0-9a-f-]{36}$/);
}

/** The member's install link (manifest URL) for the app's build, minted for the session's user (or the token's). */
async function mintManifestUrl(cookie: string, apiToken?: string): Promise<string> {
  const headers: Record<string, string> = apiToken ? { authorization: `Bearer ${apiToken}` } : { cookie };
  const res = await fetch(`${server.baseUrl}/api/v1/apps/${appId}/builds`, { headers });
  assert.equal(res.status, 200);
  const { builds } = (await res.json()) as { builds: { manifestUrl: string }[] };
  assert.ok(builds[0]);
  return builds[0].manifestUrl;
}

/** Status of the manifest and of the .ipa behind one install link, fetched like iOS does (no cookies). */
async function linkStatus(manifestUrl: string): Promise<{ manifest: number; ipa: number }> {
  const manifest = await fetch(manifestUrl);
  const ipa = await fetch(manifestUrl.replace(/manifest\.plist$/, "app.ipa"), { method: "HEAD" });
  await manifest.arrayBuffer();
  return { manifest: manifest.status, ipa: ipa.status };
}

const LINK_WORKS = { manifest: 200, ipa: 200 };
const LINK_DEAD = { manifest: 403, ipa: 403 };

before(
  async () => {
    server = await startFerry();
    const adminToken = await createToken(server);
    const form = new FormData();
    form.append(
      "file",
      await fs.openAsBlob((await makeTestBuild({ bundleId: "com.example.ferry.revocation" })).path),
      "a.ipa",
    );
    const res = await fetch(`${server.baseUrl}/api/v1/builds`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminToken}` },
      body: form,
    });
    assert.equal(res.status, 201);
    appId = ((await res.json()) as { build: { appId: string } }).build.appId;
    // Access is not what these tests are about: everyone signed in may install.
    await sql("UPDATE apps SET visibility = 'everyone' WHERE id = $1", [appId]);
    const created = await server.cli(["user", "create", "--email", MEMBER.email, "--password", MEMBER.password]);
    assert.equal(created.code, 0, created.stderr);
    memberId = created.stdout.trim();
  },
  { timeout: 120_000 },
);

after(async () => {
  await server?.stop();
});

describe("signing out", { timeout: 120_000 }, () => {
  test("a cookie copied before sign-out no longer reaches a page or the API", async () => {
    const copied = await signIn(MEMBER.email, MEMBER.password);
    const other = await signIn(MEMBER.email, MEMBER.password);
    assert.deepEqual(await reaches(copied), SIGNED_IN);

    await signOut(copied);

    assert.deepEqual(await reaches(copied), SIGNED_OUT, "the signed-out session is refused");
    assert.deepEqual(await reaches(other), SIGNED_IN, "the user's other sessions go on");
    const home = await fetch(`${server.baseUrl}/`, { headers: { cookie: copied }, redirect: "manual" });
    assert.match(home.headers.get("location") ?? "", /\/sign-in/);
  });

  test("a copy renewed before sign-out is refused too, and a signed-out cookie cannot be renewed", async () => {
    const original = await signIn(MEMBER.email, MEMBER.password);
    const renewed = await renew(original);
    assert.ok(renewed.cookie, "next-auth re-issues the cookie");
    assert.notEqual(renewed.cookie, original);
    assert.equal((renewed.body.user as { email?: string } | undefined)?.email, MEMBER.email);

    await signOut(original);

    assert.deepEqual(await reaches(renewed.cookie), SIGNED_OUT, "same session, other copy");
    const afterwards = await renew(original);
    assert.deepEqual(afterwards.body, {}, "next-auth reports no session");
    if (afterwards.cookie) assert.deepEqual(await reaches(afterwards.cookie), SIGNED_OUT, "nothing usable re-issued");
  });

  test("sign-out records the session id until every copy and every link it minted has expired, and prunes expired records", async () => {
    const stale = "00000000-0000-4000-8000-00000000dead";
    await sql("INSERT INTO revoked_sessions (sid, user_id, expires_at) VALUES ($1, $2, now() - interval '1 minute')", [
      stale,
      memberId,
    ]);
    const before = await sql<{ n: number }>("SELECT count(*)::int AS n FROM revoked_sessions WHERE user_id = $1", [
      memberId,
    ]);
    await signOut(await signIn(MEMBER.email, MEMBER.password));
    const rows = await sql<{ sid: string; hours: number }>(
      "SELECT sid, extract(epoch FROM expires_at - now()) / 3600 AS hours FROM revoked_sessions WHERE user_id = $1",
      [memberId],
    );
    assert.equal(rows.length, before[0]!.n, "one added, the expired one pruned");
    assert.ok(!rows.some((r) => r.sid === stale));
    for (const row of rows) {
      // Sessions live 12 h, the install links a session minted 24 h (INSTALL_LINK_TTL): the longer one counts.
      assert.ok(row.hours > 23.9 && row.hours <= 24.2, `kept ${row.hours} h`);
    }
  });
});

describe("install links after revocation", { timeout: 120_000 }, () => {
  test("signing out stops the install links that session minted; other sessions' and API tokens' links go on", async () => {
    const leaving = await signIn(MEMBER.email, MEMBER.password);
    const staying = await signIn(MEMBER.email, MEMBER.password);
    const token = await createToken(server, MEMBER.email);
    const minted = {
      leaving: await mintManifestUrl(leaving),
      staying: await mintManifestUrl(staying),
      token: await mintManifestUrl("", token),
    };
    for (const url of Object.values(minted)) assert.deepEqual(await linkStatus(url), LINK_WORKS);

    await signOut(leaving);

    assert.deepEqual(await linkStatus(minted.leaving), LINK_DEAD, "the signed-out session's link");
    assert.deepEqual(await linkStatus(minted.staying), LINK_WORKS, "another session's link");
    assert.deepEqual(await linkStatus(minted.token), LINK_WORKS, "a link minted for an API token");
  });

  test("re-enabling a user does not revive links minted before the disable; a new link works", async () => {
    const old = await mintManifestUrl(await signIn(MEMBER.email, MEMBER.password));
    assert.deepEqual(await linkStatus(old), LINK_WORKS);

    await adminAction("disable-user", [["userId", memberId]]);
    assert.deepEqual(await linkStatus(old), LINK_DEAD, "disabled: refused");
    await adminAction("enable-user", [["userId", memberId]]);

    assert.deepEqual(await linkStatus(old), LINK_DEAD, "enabled again: the old link stays dead");
    const fresh = await mintManifestUrl(await signIn(MEMBER.email, MEMBER.password));
    assert.notEqual(fresh, old);
    assert.deepEqual(await linkStatus(fresh), LINK_WORKS, "a link minted after re-enabling works");
  });

  test("sign out everywhere stops outstanding install links; a new link works", async () => {
    const old = await mintManifestUrl(await signIn(MEMBER.email, MEMBER.password));
    assert.deepEqual(await linkStatus(old), LINK_WORKS);
    await adminAction("sign-out-everywhere", [["userId", memberId]]);
    assert.deepEqual(await linkStatus(old), LINK_DEAD);
    assert.deepEqual(await linkStatus(await mintManifestUrl(await signIn(MEMBER.email, MEMBER.password))), LINK_WORKS);
  });

  test("sign out everywhere also revokes the user's API tokens; a new password does not", async () => {
    const apiStatus = async (token: string) => {
      const res = await fetch(`${server.baseUrl}/api/v1/apps`, { headers: { authorization: `Bearer ${token}` } });
      await res.arrayBuffer();
      return res.status;
    };
    const token = await createToken(server, MEMBER.email);
    assert.equal(await apiStatus(token), 200);
    const password = "a-password-for-tokens-3";
    await adminAction("set-password", [
      ["userId", memberId],
      ["password", password],
    ]);
    MEMBER.password = password;
    assert.equal(await apiStatus(token), 200, "a new password keeps API tokens");
    await adminAction("sign-out-everywhere", [["userId", memberId]]);
    assert.equal(await apiStatus(token), 401, "sign out everywhere revoked the token");
  });

  test("a new password stops outstanding install links; a new link works", async () => {
    const old = await mintManifestUrl(await signIn(MEMBER.email, MEMBER.password));
    assert.deepEqual(await linkStatus(old), LINK_WORKS);
    const password = "a-brand-new-password-2";
    await adminAction("set-password", [
      ["userId", memberId],
      ["password", password],
    ]);
    MEMBER.password = password;
    assert.deepEqual(await linkStatus(old), LINK_DEAD);
    assert.deepEqual(await linkStatus(await mintManifestUrl(await signIn(MEMBER.email, MEMBER.password))), LINK_WORKS);
  });
});
