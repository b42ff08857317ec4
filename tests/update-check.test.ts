/**
 * The in-app update check over real HTTP: an app's update key (created and
 * revoked through the API by who manages the app) asks
 * GET /api/v1/apps/{bundleId}/latest whether a newer build is out. Versions
 * compare numerically by component, then by build number; any key problem is
 * the same 401 whether or not the app exists; the answer has nothing but
 * { updateAvailable, version, build, pageUrl, notes }: no token, no install link.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { createToken, createUser, type FerryServer, startFerry } from "./helpers/ferry-server";
import { generateIpa } from "./helpers/generate-ipa";
import { queryDatabase } from "./helpers/test-database";

const BUNDLE = "com.example.updates";
const OTHER = "com.example.other-app";
const UPLOADER = { email: "uploader@example.com", password: "uploader-password-1" };

let server: FerryServer;
let tmp: string;
let adminToken: string;
let uploaderToken: string;
let appId: string;
let otherAppId: string;
let key: string;
let otherKey: string;
let newest: { id: string };

async function upload(bundleId: string, version: string, buildNumber: string, channel: string, notes = "") {
  const file = path.join(tmp, `${bundleId}-${buildNumber}.ipa`);
  await generateIpa(file, { bundleId, version, buildNumber, name: "Updates", padBytes: 256 });
  const query = new URLSearchParams({ channel, ...(notes ? { notes } : {}) });
  const res = await fetch(`${server.baseUrl}/api/v1/builds?${query}`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/octet-stream" },
    body: new Uint8Array(fs.readFileSync(file)),
  });
  const text = await res.text();
  assert.equal(res.status, 201, text);
  return (JSON.parse(text) as { build: { id: string; appId: string } }).build;
}

async function createKey(token: string, app: string, name = "iOS app"): Promise<Response> {
  return fetch(`${server.baseUrl}/api/v1/apps/${app}/update-keys`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ name }),
  });
}

async function check(query: string, headers: Record<string, string>, bundleId = BUNDLE) {
  const res = await fetch(`${server.baseUrl}/api/v1/apps/${bundleId}/latest${query}`, { headers });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as Record<string, unknown> };
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-updates-"));
  server = await startFerry();
  adminToken = await createToken(server);
  await createUser(server, { ...UPLOADER, role: "uploader" });
  uploaderToken = await createToken(server, UPLOADER.email);
  appId = (await upload(BUNDLE, "1.9", "100", "default", "Old")).appId;
  newest = await upload(BUNDLE, "1.10", "3", "default", "**New** search\n\nFixes");
  await upload(BUNDLE, "2.0", "1", "beta", "Beta notes");
  await upload(BUNDLE, "9.0", "1", "insiders", "Secret");
  await queryDatabase(
    server.databaseUrl,
    "UPDATE channels SET restricted = true WHERE app_id = $1 AND name = 'insiders'",
    [appId],
  );
  otherAppId = (await upload(OTHER, "5.0", "1", "default")).appId;
});
after(async () => {
  await server?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe("in-app update check", () => {
  test("keys: created by who manages the app (shown once, stored hashed), listed without the key", async () => {
    const res = await createKey(adminToken, appId);
    assert.equal(res.status, 201);
    const created = (await res.json()) as { key: string; updateKey: { id: string; prefix: string } };
    key = created.key;
    assert.match(key, /^ferryu_[A-Za-z0-9_-]{43}$/);
    const other = (await (await createKey(adminToken, otherAppId)).json()) as { key: string };
    otherKey = other.key;
    // The uploader is not granted the app: refused (and the same for an unknown app).
    assert.equal((await createKey(uploaderToken, appId)).status, 403);
    assert.equal((await createKey(uploaderToken, "00000000-0000-4000-8000-000000000000")).status, 403);
    assert.equal((await createKey(adminToken, appId, "")).status, 400);

    const stored = await queryDatabase<{ key_hash: string }>(
      server.databaseUrl,
      "SELECT key_hash FROM app_update_keys",
    );
    assert.ok(stored.every((r) => !r.key_hash.includes(key.slice(7)) && /^[0-9a-f]{64}$/.test(r.key_hash)));
    const list = await fetch(`${server.baseUrl}/api/v1/apps/${appId}/update-keys`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    const text = await list.text();
    assert.equal(list.status, 200);
    assert.ok(!text.includes(key) && !text.includes(key.slice(7)), "the key is never listed");
    assert.match(text, new RegExp(created.updateKey.prefix));
  });

  test("answers whether a newer build is out: numeric versions, then build numbers", async () => {
    const auth = { authorization: `Bearer ${key}` };
    const older = await check("?version=1.9&build=100", auth);
    assert.equal(older.status, 200, older.text);
    assert.deepEqual(older.body, {
      updateAvailable: true,
      version: "1.10",
      build: "3",
      pageUrl: `${server.baseUrl}/apps/${appId}/builds/${newest.id}`,
      notes: "**New** search\n\nFixes",
    });
    assert.equal((await check("?version=1.10&build=3", auth)).body.updateAvailable, false);
    assert.equal((await check("?version=1.10&build=2", auth)).body.updateAvailable, true);
    assert.equal((await check("?version=1.10.0", auth)).body.updateAvailable, false, "1.10 = 1.10.0");
    assert.equal((await check("?version=1.11&build=1", auth)).body.updateAvailable, false);
    assert.equal((await check("", auth)).body.updateAvailable, false, "without a version: just the newest");
    // The header form, and another channel.
    const beta = await check("?channel=beta&version=1.10&build=3", { "x-ferry-update-key": key });
    assert.equal(beta.status, 200);
    assert.equal(beta.body.version, "2.0");
    assert.equal(beta.body.updateAvailable, true);
    // A restricted channel looks like none; a malformed version is a 400.
    assert.equal((await check("?channel=insiders", auth)).status, 404);
    assert.equal((await check("?channel=nope", auth)).status, 404);
    assert.equal((await check("?version=<script>", auth)).status, 400);
    // Nothing but the five fields: no token, no install link, no other channel's build.
    for (const answer of [older, beta]) {
      assert.deepEqual(Object.keys(answer.body).sort(), ["build", "notes", "pageUrl", "updateAvailable", "version"]);
      assert.ok(!/\/d\/|itms-services|manifest|\.ipa|\/install|ferryu_|ferry_/.test(answer.text), answer.text);
      assert.ok(!answer.text.includes("9.0") && !answer.text.includes("Secret"));
    }
  });

  test("any key problem is the same 401, whether or not the app exists", async () => {
    const bodies = new Set<string>();
    const refused = async (query: string, headers: Record<string, string>, bundleId = BUNDLE) => {
      const answer = await check(query, headers, bundleId);
      assert.equal(answer.status, 401, `${bundleId} ${JSON.stringify(headers)}: ${answer.text}`);
      bodies.add(answer.text);
    };
    await refused("?version=1.0", {});
    await refused("?version=1.0", { authorization: `Bearer ferryu_${"A".repeat(43)}` });
    await refused("?version=1.0", { authorization: `Bearer ${adminToken}` }, BUNDLE);
    await refused("?version=1.0", { authorization: `Bearer ${otherKey}` }, BUNDLE);
    await refused("?version=1.0", { authorization: `Bearer ${key}` }, "com.example.does-not-exist");
    await refused("?version=1.0", { authorization: `Bearer ${key}` }, OTHER);
    assert.equal(bodies.size, 1, "one answer for every refusal");
    // Revoked: by who manages the app; then 401 like any unknown key.
    const [row] = await queryDatabase<{ id: string }>(
      server.databaseUrl,
      "SELECT id FROM app_update_keys WHERE app_id = $1",
      [appId],
    );
    const revoke = (token: string) =>
      fetch(`${server.baseUrl}/api/v1/apps/${appId}/update-keys/${row?.id}`, {
        method: "DELETE",
        headers: { authorization: `Bearer ${token}` },
      });
    assert.equal((await revoke(uploaderToken)).status, 403);
    assert.equal((await check("?version=1.0", { authorization: `Bearer ${key}` })).status, 200);
    assert.equal((await revoke(adminToken)).status, 204);
    assert.equal((await revoke(adminToken)).status, 404);
    await refused("?version=1.0", { authorization: `Bearer ${key}` });
    assert.equal(bodies.size, 1);
  });
});
