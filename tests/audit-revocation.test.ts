/**
 * Downloads are attributable and access ends at once: audit rows for page
 * views, manifest fetches and .ipa downloads made without cookies by a
 * simulated iOS client; disabling a user kills their sessions, API tokens and
 * outstanding install links; per-app access is enforced for install links.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import { after, before, test } from "node:test";
import * as plist from "plist";
import { createToken, createUser, type FerryServer, startFerry } from "./helpers/ferry-server";
import { passwordSession } from "./helpers/session";
import { makeTestBuild } from "./helpers/test-builds";
import { eventually, queryDatabase } from "./helpers/test-database";

// What iOS's install daemon sends (it fetches manifest and .ipa itself, no cookies).
const IOS_DAEMON_UA = "com.apple.appstored/1.0 iOS/18.1 model/iPhone16,2 hwp/t8130 build/22B83 (6; dt:297) AMS/1";

let server: FerryServer;
let adminToken: string;
let appId: string;

async function signIn(email: string, password: string): Promise<string> {
  const session = await passwordSession(server.baseUrl, email, password);
  assert.ok(session, `signed in as ${email}`);
  return session;
}

async function sql<T extends Record<string, unknown>>(text: string, params: unknown[] = []) {
  return queryDatabase<T>(server.databaseUrl, text, params);
}

before(async () => {
  server = await startFerry();
  adminToken = await createToken(server);
  const form = new FormData();
  form.append(
    "file",
    await fs.openAsBlob((await makeTestBuild({ bundleId: "com.example.ferry.audit" })).path),
    "a.ipa",
  );
  const res = await fetch(`${server.baseUrl}/api/v1/builds`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}` },
    body: form,
  });
  appId = ((await res.json()) as { build: { appId: string } }).build.appId;
  await createUser(server, { email: "emp@example.com", password: "emp-password-1", role: "member" });
});
after(async () => server?.stop());

async function memberLinks(token: string) {
  const res = await fetch(`${server.baseUrl}/api/v1/apps/${appId}/builds`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return {
    status: res.status,
    body:
      res.status === 200
        ? ((await res.json()) as { builds: { id: string; manifestUrl: string; pageUrl: string }[] })
        : null,
  };
}

test("a member sees a restricted app only once it is granted to their group", async () => {
  const token = await createToken(server, "emp@example.com", ["--scopes", "read"]);
  assert.equal((await memberLinks(token)).status, 404, "not granted yet: indistinguishable from a missing app");
  const list = await fetch(`${server.baseUrl}/api/v1/apps`, { headers: { authorization: `Bearer ${token}` } });
  assert.deepEqual(((await list.json()) as { apps: unknown[] }).apps, []);
  await sql("UPDATE apps SET visibility = 'everyone' WHERE id = $1", [appId]);
  assert.equal((await memberLinks(token)).status, 200);
  await sql("UPDATE apps SET visibility = 'restricted' WHERE id = $1", [appId]);
  const [group] = await sql<{ id: string }>(
    "INSERT INTO groups (id, name) VALUES (gen_random_uuid(), 'QA') RETURNING id",
  );
  await sql("INSERT INTO group_members (group_id, user_id) SELECT $1, id FROM users WHERE email = 'emp@example.com'", [
    group!.id,
  ]);
  await sql("INSERT INTO app_groups (app_id, group_id) VALUES ($1, $2)", [appId, group!.id]);
  assert.equal((await memberLinks(token)).status, 200);
});

test("page view, manifest fetch and .ipa download by a cookie-less iOS client are audited", async () => {
  const memberSession = await signIn("emp@example.com", "emp-password-1");
  const token = await createToken(server, "emp@example.com", ["--scopes", "read"]);
  const { body } = await memberLinks(token);
  const build = body!.builds[0]!;
  const page = await fetch(build.pageUrl, {
    headers: { cookie: memberSession, "user-agent": "Mozilla/5.0 (iPhone) Safari" },
  });
  assert.equal(page.status, 200);

  const manifest = await fetch(build.manifestUrl, { headers: { "user-agent": IOS_DAEMON_UA } });
  assert.equal(manifest.status, 200);
  const ipaUrl = (
    plist.parse(await manifest.text()) as { items: { assets: { kind: string; url: string }[] }[] }
  ).items[0]!.assets.find((a) => a.kind === "software-package")!.url;
  assert.equal((await fetch(ipaUrl, { method: "HEAD", headers: { "user-agent": IOS_DAEMON_UA } })).status, 200);
  const download = await fetch(ipaUrl, { headers: { "user-agent": IOS_DAEMON_UA } });
  assert.equal(download.status, 200);
  await download.arrayBuffer();

  // The manifest's and the download's rows are written just behind their answers.
  const rows = await eventually(
    () =>
      sql<{
        action: string;
        actor_email: string;
        build_id: string | null;
        ip: string;
        user_agent: string;
      }>(
        "SELECT action, actor_email, build_id, ip, user_agent FROM audit_events WHERE actor_email = 'emp@example.com' AND action IN ('install_page.view', 'manifest.fetch', 'ipa.download') ORDER BY id",
      ),
    (found) => found.length >= 3,
  );

  assert.deepEqual(
    rows.map((r) => r.action),
    ["install_page.view", "manifest.fetch", "ipa.download"],
    "HEAD is not counted as a download",
  );
  for (const row of rows) {
    assert.equal(row.build_id, build.id);
    assert.equal(row.ip, "127.0.0.1");
  }
  assert.equal(rows[1]!.user_agent, IOS_DAEMON_UA);
  assert.equal(rows[2]!.user_agent, IOS_DAEMON_UA);
});

test("a client cannot forge its address without TRUST_PROXY", async () => {
  const token = await createToken(server, "emp@example.com", ["--scopes", "read"]);
  const { body } = await memberLinks(token);
  const forged = "forging-client/1.0";
  const res = await fetch(body!.builds[0]!.manifestUrl, {
    headers: { "x-ferry-client-ip": "6.6.6.6", "x-forwarded-for": "7.7.7.7", "user-agent": forged },
  });
  assert.equal(res.status, 200);
  // The manifest's row is written just behind its answer.
  const rows = await eventually(
    () =>
      sql<{ ip: string }>("SELECT ip FROM audit_events WHERE action = 'manifest.fetch' AND user_agent = $1", [forged]),
    (found) => found.length > 0,
  );
  assert.deepEqual(
    rows.map((row) => row.ip),
    ["127.0.0.1"],
  );
});

test("disabling a user ends their session, API tokens and install links at once", async () => {
  const session = await signIn("emp@example.com", "emp-password-1");
  const token = await createToken(server, "emp@example.com", ["--scopes", "read"]);
  const { body } = await memberLinks(token);
  const manifestUrl = body!.builds[0]!.manifestUrl;
  assert.equal((await fetch(`${server.baseUrl}/`, { headers: { cookie: session }, redirect: "manual" })).status, 200);
  assert.equal((await fetch(manifestUrl)).status, 200);

  // What the admin UI's "Disable" does (lib/users/mutations.ts disableUser).
  await sql(
    "UPDATE users SET disabled_at = now(), session_version = session_version + 1 WHERE email = 'emp@example.com'",
  );
  await sql(
    "UPDATE api_tokens SET revoked_at = now() WHERE user_id = (SELECT id FROM users WHERE email = 'emp@example.com')",
  );

  const home = await fetch(`${server.baseUrl}/`, { headers: { cookie: session }, redirect: "manual" });
  assert.equal(home.status, 307);
  assert.match(home.headers.get("location") ?? "", /\/sign-in/);
  assert.equal((await memberLinks(token)).status, 401);
  assert.equal((await fetch(manifestUrl)).status, 403);
  assert.equal((await fetch(manifestUrl.replace("manifest.plist", "app.ipa"))).status, 403);
  assert.equal(
    await passwordSession(server.baseUrl, "emp@example.com", "emp-password-1"),
    null,
    "cannot sign in again",
  );
});

test("revoking sessions (sign out everywhere) ends an existing session", async () => {
  const session = await signIn(server.admin.email, server.admin.password);
  assert.equal((await fetch(`${server.baseUrl}/`, { headers: { cookie: session }, redirect: "manual" })).status, 200);
  await sql("UPDATE users SET session_version = session_version + 1 WHERE email = $1", [server.admin.email]);
  assert.equal((await fetch(`${server.baseUrl}/`, { headers: { cookie: session }, redirect: "manual" })).status, 307);
});
