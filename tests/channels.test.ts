/**
 * Channels, stable links, notes and delete over real HTTP against the real
 * server: uploads name a channel, latest moves, promotion, restricted
 * channels, deleting stops links at once, duplicates say what happened to
 * their notes, stale /d/ links give browsers a page and iOS plain errors.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { signInstallToken } from "@/lib/install-links/install-token";
import { createToken, createUser, type FerryServer, ROOT, startFerry } from "./helpers/ferry-server";
import { generateIpa } from "./helpers/generate-ipa";
import { invokeAction, postPlainForm, serverActionIds } from "./helpers/server-actions";
import { passwordSession } from "./helpers/session";
import { queryDatabase } from "./helpers/test-database";

type BuildJson = {
  id: string;
  appId: string;
  version: string;
  buildNumber: string;
  sha256: string;
  notes: string | null;
  channels: string[];
  manifestUrl: string;
  installUrl: string;
};

const BUNDLE = "com.example.channels";
const SAFARI =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";
const MEMBER = { email: "member@example.com", password: "member-password-1" };
const TESTER = { email: "tester@example.com", password: "tester-password-1" };

let server: FerryServer;
let tmp: string;
let adminToken: string;
let memberToken: string;
let testerToken: string;

async function ipa(buildNumber: string): Promise<Buffer> {
  const file = path.join(tmp, `${buildNumber}.ipa`);
  await generateIpa(file, { bundleId: BUNDLE, version: "1.0", buildNumber, name: "Channels", padBytes: 1024 });
  return fs.readFileSync(file);
}

async function upload(buildNumber: string, query = ""): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${server.baseUrl}/api/v1/builds${query}`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/octet-stream" },
    body: new Uint8Array(await ipa(buildNumber)),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function api(pathname: string, token: string, init: RequestInit = {}) {
  return fetch(`${server.baseUrl}${pathname}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...init.headers },
  });
}

async function latest(appId: string, channel: string, token = adminToken) {
  const res = await api(`/api/v1/apps/${appId}/channels/${channel}/latest`, token);
  return { status: res.status, body: (await res.json()) as { build?: BuildJson; error?: { code: string } } };
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-channels-"));
  server = await startFerry();
  adminToken = await createToken(server);
  // An uploader not granted this app: sees it once it is visible to everyone, may not change it.
  await createUser(server, { ...MEMBER, role: "uploader" });
  await createUser(server, { ...TESTER, role: "member" });
  memberToken = await createToken(server, MEMBER.email, ["--scopes", "read,upload"]);
  testerToken = await createToken(server, TESTER.email, ["--scopes", "read"]);
});
after(async () => {
  await server?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe("channels over HTTP", () => {
  let appId: string;
  let main: BuildJson;
  let beta1: BuildJson;
  let beta2: BuildJson;

  test("an upload names its channel; without one it goes to the default channel; latest moves on a newer upload", async () => {
    const first = await upload("1");
    assert.equal(first.status, 201);
    main = first.body.build as BuildJson;
    appId = main.appId;
    assert.deepEqual(main.channels, ["default"]);

    const b1 = await upload("2", "?channel=beta");
    assert.equal(b1.status, 201);
    beta1 = b1.body.build as BuildJson;
    assert.deepEqual(beta1.channels, ["beta"]);
    assert.equal((await latest(appId, "beta")).body.build?.id, beta1.id);
    assert.equal((await latest(appId, "default")).body.build?.id, main.id);

    const b2 = await upload("3", "?channel=beta");
    beta2 = b2.body.build as BuildJson;
    const moved = await latest(appId, "beta");
    assert.equal(moved.status, 200);
    assert.equal(moved.body.build?.id, beta2.id);
    assert.equal(moved.body.build?.buildNumber, "3");
    assert.ok(moved.body.build?.installUrl.startsWith("itms-services://"));

    const unknown = await latest(appId, "production");
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error?.code, "not_found");
  });

  test("promotion adds a build to another channel; members may not promote", async () => {
    const promoted = await api(`/api/v1/builds/${beta1.id}/channels`, adminToken, {
      method: "POST",
      body: JSON.stringify({ channel: "production" }),
    });
    assert.equal(promoted.status, 201);
    const body = (await promoted.json()) as { build: BuildJson };
    assert.deepEqual(body.build.channels, ["beta", "production"]);
    assert.equal((await latest(appId, "production")).body.build?.id, beta1.id);
    // beta's newest is unchanged.
    assert.equal((await latest(appId, "beta")).body.build?.id, beta2.id);
    const again = await api(`/api/v1/builds/${beta1.id}/channels`, adminToken, {
      method: "POST",
      body: JSON.stringify({ channel: "production" }),
    });
    assert.equal(again.status, 200);

    await queryDatabase(server.databaseUrl, "UPDATE apps SET visibility = 'everyone' WHERE id = $1", [appId]);
    const refused = await api(`/api/v1/builds/${beta2.id}/channels`, memberToken, {
      method: "POST",
      body: JSON.stringify({ channel: "production" }),
    });
    assert.equal(refused.status, 403);
    const bad = await api(`/api/v1/builds/${beta2.id}/channels`, adminToken, {
      method: "POST",
      body: JSON.stringify({ channel: "no spaces" }),
    });
    assert.equal(bad.status, 400);
  });

  test("a channel restricted to a group: only its members see its builds, latest and install files", async () => {
    const [group] = await queryDatabase<{ id: string }>(
      server.databaseUrl,
      "INSERT INTO groups (id, name) VALUES (gen_random_uuid(), 'Testers') RETURNING id",
    );
    await queryDatabase(
      server.databaseUrl,
      `INSERT INTO group_members (group_id, user_id) SELECT $1, id FROM users WHERE email = $2`,
      [group?.id, TESTER.email],
    );
    await queryDatabase(
      server.databaseUrl,
      "UPDATE channels SET restricted = true WHERE app_id = $1 AND name = 'beta'",
      [appId],
    );
    await queryDatabase(
      server.databaseUrl,
      "INSERT INTO channel_groups (channel_id, group_id) SELECT id, $2 FROM channels WHERE app_id = $1 AND name = 'beta'",
      [appId, group?.id],
    );

    const memberBeta = await latest(appId, "beta", memberToken);
    assert.equal(memberBeta.status, 404);
    assert.equal((await latest(appId, "production", memberToken)).body.build?.id, beta1.id);
    const memberList = (await (await api(`/api/v1/apps/${appId}/builds`, memberToken)).json()) as {
      builds: BuildJson[];
    };
    assert.deepEqual(memberList.builds.map((b) => b.id).sort(), [main.id, beta1.id].sort());
    assert.equal((await latest(appId, "beta", testerToken)).body.build?.id, beta2.id);
    // The app list's newest build and count leave the hidden channel out too.
    const apps = (await (await api("/api/v1/apps", memberToken)).json()) as {
      apps: { id: string; buildCount: number; latest: { id: string } | null }[];
    };
    const listed = apps.apps.find((a) => a.id === appId);
    assert.deepEqual([listed?.buildCount, listed?.latest?.id], [2, beta1.id]);

    // A link minted for the member to the restricted build does not serve it.
    const [member] = await queryDatabase<{ id: string }>(server.databaseUrl, "SELECT id FROM users WHERE email = $1", [
      MEMBER.email,
    ]);
    const forged = signInstallToken(
      { buildId: beta2.id, userId: member?.id ?? "", userVersion: 0, expiresAt: new Date(Date.now() + 60_000) },
      server.authSecret,
    );
    assert.equal((await fetch(`${server.baseUrl}/d/${forged}/manifest.plist`)).status, 404);
  });

  test("re-uploading identical bytes with other notes says the notes were not applied; PATCH edits them", async () => {
    const again = await upload("3", "?notes=Different%20notes");
    assert.equal(again.status, 200);
    const duplicate = again.body.duplicate as { notesIgnored: boolean; message: string };
    assert.equal(duplicate.notesIgnored, true);
    assert.match(duplicate.message, /NOT changed/);
    assert.equal((again.body.build as BuildJson).notes, null);

    const patched = await api(`/api/v1/builds/${beta2.id}`, adminToken, {
      method: "PATCH",
      body: JSON.stringify({ notes: "**Fixed** <script>alert(1)</script>" }),
    });
    assert.equal(patched.status, 200);
    assert.equal(((await patched.json()) as { build: BuildJson }).build.notes, "**Fixed** <script>alert(1)</script>");
    const refused = await api(`/api/v1/builds/${beta2.id}`, testerToken, {
      method: "PATCH",
      body: JSON.stringify({ notes: "x" }),
    });
    assert.equal(refused.status, 403);

    // The build page renders the notes as Markdown, with the script inert.
    const cookie = await passwordSession(server.baseUrl, server.admin.email, server.admin.password);
    const page = await (
      await fetch(`${server.baseUrl}/apps/${appId}/builds/${beta2.id}`, { headers: { cookie: cookie ?? "" } })
    ).text();
    assert.match(page, /<strong>Fixed<\/strong> &lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.doesNotMatch(page, /<script>alert\(1\)<\/script>/);
  });

  test("stable install route mints a fresh link at tap time; signed-out visitors go to sign-in", async () => {
    const signedOut = await fetch(`${server.baseUrl}/apps/${appId}/channels/production/install`, {
      redirect: "manual",
    });
    assert.ok([303, 307].includes(signedOut.status), String(signedOut.status));
    assert.match(signedOut.headers.get("location") ?? "", /\/sign-in\?callbackUrl=/);

    const cookie = await passwordSession(server.baseUrl, MEMBER.email, MEMBER.password);
    assert.ok(cookie);
    const res = await fetch(`${server.baseUrl}/apps/${appId}/channels/production/install`, {
      redirect: "manual",
      headers: { cookie: cookie ?? "" },
    });
    assert.equal(res.status, 303);
    const location = res.headers.get("location") ?? "";
    assert.match(location, /^itms-services:\/\/\?action=download-manifest&url=/);
    const manifestUrl = decodeURIComponent(location.split("url=")[1] ?? "");
    const manifest = await fetch(manifestUrl);
    assert.equal(manifest.status, 200);
    assert.match(await manifest.text(), /<string>3<\/string>|<string>1\.0<\/string>/);
    // The member may not install from the restricted channel: sent to its page (which 404s for them).
    const hidden = await fetch(`${server.baseUrl}/apps/${appId}/channels/beta/install`, {
      redirect: "manual",
      headers: { cookie: cookie ?? "" },
    });
    assert.equal(hidden.status, 303);
    assert.doesNotMatch(hidden.headers.get("location") ?? "", /^itms-services:/);

    const page = await fetch(`${server.baseUrl}/apps/${appId}/channels/production`, {
      headers: { cookie: cookie ?? "" },
    });
    assert.equal(page.status, 200);
    assert.match(await page.text(), new RegExp(`/apps/${appId}/builds/${beta1.id}`));
  });

  test("expired or invalid /d/ links: a browser gets an HTML page linking to the build; iOS' daemon plain errors", async () => {
    const [admin] = await queryDatabase<{ id: string }>(server.databaseUrl, "SELECT id FROM users WHERE email = $1", [
      server.admin.email,
    ]);
    const expired = signInstallToken(
      { buildId: main.id, userId: admin?.id ?? "", userVersion: 0, expiresAt: new Date(Date.now() - 60_000) },
      server.authSecret,
    );
    const browser = await fetch(`${server.baseUrl}/d/${expired}/manifest.plist`, {
      headers: { accept: "text/html,application/xhtml+xml", "user-agent": SAFARI },
    });
    assert.equal(browser.status, 403);
    assert.match(browser.headers.get("content-type") ?? "", /text\/html/);
    const html = await browser.text();
    assert.match(html, /expired/i);
    assert.ok(html.includes(`/apps/${appId}/builds/${main.id}`), html);

    const daemon = await fetch(`${server.baseUrl}/d/${expired}/manifest.plist`, {
      headers: {
        accept: "*/*",
        "user-agent": "com.apple.appstored/1.0 iOS/17.4 model/iPhone15,2 hwp/t8120 build/21E219 (6; dt:281) AMS/1",
      },
    });
    assert.equal(daemon.status, 403);
    assert.equal(((await daemon.json()) as { error: { code: string } }).error.code, "expired_token");

    const invalid = await fetch(`${server.baseUrl}/d/not-a-token/app.ipa`, {
      headers: { accept: "text/html", "user-agent": SAFARI },
    });
    assert.equal(invalid.status, 404);
    assert.match(await invalid.text(), /not valid/);
  });

  test("DELETE removes the build, its file and icons; its install links stop at once; audited", async () => {
    const manifestBefore = await fetch(main.manifestUrl);
    assert.equal(manifestBefore.status, 200);
    const ipaPath = path.join(server.dataDir, "builds", main.sha256.slice(0, 2), `${main.sha256}.ipa`);
    assert.ok(fs.existsSync(ipaPath));

    const refused = await api(`/api/v1/builds/${main.id}`, memberToken, { method: "DELETE" });
    assert.equal(refused.status, 403);
    const res = await api(`/api/v1/builds/${main.id}`, adminToken, { method: "DELETE" });
    assert.equal(res.status, 204);
    assert.equal((await fetch(main.manifestUrl)).status, 404);
    assert.equal((await fetch(main.manifestUrl.replace("manifest.plist", "app.ipa"))).status, 404);
    assert.equal(fs.existsSync(ipaPath), false);
    assert.equal(fs.existsSync(path.join(server.dataDir, "icons", main.sha256)), false);
    assert.equal((await api(`/api/v1/builds/${main.id}`, adminToken, { method: "DELETE" })).status, 404);
    const audit = await queryDatabase(
      server.databaseUrl,
      "SELECT 1 FROM audit_events WHERE action = 'build.delete' AND build_id = $1",
      [main.id],
    );
    assert.equal(audit.length, 1);
    // The default channel is now empty.
    const empty = await latest(appId, "default");
    assert.equal(empty.status, 404);
    assert.equal(empty.body.error?.code, "channel_empty");
  });
});

describe("admin pages", () => {
  test("the admin apps page shows storage per app and in total; members get 404", async () => {
    const cookie = await passwordSession(server.baseUrl, server.admin.email, server.admin.password);
    const res = await fetch(`${server.baseUrl}/admin/apps`, { headers: { cookie: cookie ?? "" } });
    assert.equal(res.status, 200);
    const html = await res.text();
    const [row] = await queryDatabase<{ bytes: string }>(
      server.databaseUrl,
      "SELECT sum(size_bytes)::text AS bytes FROM (SELECT DISTINCT sha256, size_bytes FROM builds) s",
    );
    const { formatBytes } = await import("@/lib/ui/format");
    assert.match(html, /data-testid="storage-total"/);
    assert.ok(html.includes(formatBytes(Number(row?.bytes ?? 0))), "total shown");
    assert.match(html, /data-testid="storage-app"/);
    const memberCookie = await passwordSession(server.baseUrl, TESTER.email, TESTER.password);
    const refused = await fetch(`${server.baseUrl}/admin/apps`, { headers: { cookie: memberCookie ?? "" } });
    assert.equal(refused.status, 404);
  });
});

describe("server actions (access: admins, or the app's uploaders for build actions)", () => {
  const ids = () => serverActionIds(ROOT);
  const action = (key: string) => {
    const ref = ids().get(key);
    assert.ok(ref, `${key} is in the build`);
    return ref.id;
  };

  test("channel access, retention and app details: admin only; refused for others with nothing changed", async () => {
    const [app] = await queryDatabase<{ id: string }>(server.databaseUrl, "SELECT id FROM apps WHERE bundle_id = $1", [
      BUNDLE,
    ]);
    const appId = app?.id ?? "";
    const [group] = await queryDatabase<{ id: string }>(
      server.databaseUrl,
      "SELECT id FROM groups WHERE name = 'Testers'",
    );
    const admin = await passwordSession(server.baseUrl, server.admin.email, server.admin.password);
    const uploader = await passwordSession(server.baseUrl, MEMBER.email, MEMBER.password);
    const cases: [string, [string, string][]][] = [
      [
        "channel-access",
        [
          ["appId", appId],
          ["channel", "production"],
          ["groupId", group?.id ?? ""],
        ],
      ],
      [
        "retention",
        [
          ["appId", appId],
          ["keep", "1"],
          ["intent", "preview"],
        ],
      ],
      [
        "app-details",
        [
          ["appId", appId],
          ["name", "Renamed"],
          ["description", "About"],
        ],
      ],
    ];
    // The admin apps page's plain-post forms (lib/apps/forms.ts): a 404 for the uploader, as the page is.
    for (const [name, fields] of cases) {
      const refused = await postPlainForm(server.baseUrl, {
        path: "/admin/apps",
        fields: [["_action", name], ...fields],
        cookie: uploader ?? "",
      });
      assert.equal(refused.status, 404, `${name} refused`);
    }
    const [unchanged] = await queryDatabase<{ name: string; restricted: boolean }>(
      server.databaseUrl,
      "SELECT a.name, c.restricted FROM apps a JOIN channels c ON c.app_id = a.id AND c.name = 'production' WHERE a.id = $1",
      [appId],
    );
    assert.deepEqual(unchanged, { name: "Channels", restricted: false });

    for (const [name, fields] of cases) {
      const ok = await postPlainForm(server.baseUrl, {
        path: "/admin/apps",
        fields: [["_action", name], ...fields],
        cookie: admin ?? "",
      });
      assert.equal(`${ok.status} ${ok.location}`, `303 /admin/apps#app-${appId}`, name);
    }
    const [changed] = await queryDatabase<{ name: string; restricted: boolean }>(
      server.databaseUrl,
      "SELECT a.name, c.restricted FROM apps a JOIN channels c ON c.app_id = a.id AND c.name = 'production' WHERE a.id = $1",
      [appId],
    );
    assert.deepEqual(changed, { name: "Renamed", restricted: true });
  });

  test("promote, edit notes, delete from the build page: refused to an uploader without the app", async () => {
    const [build] = await queryDatabase<{ id: string; app_id: string }>(
      server.databaseUrl,
      "SELECT b.id, b.app_id FROM builds b JOIN apps a ON a.id = b.app_id WHERE a.bundle_id = $1 ORDER BY b.created_at LIMIT 1",
      [BUNDLE],
    );
    const page = `/apps/${build?.app_id}/builds/${build?.id}`;
    const uploader = await passwordSession(server.baseUrl, MEMBER.email, MEMBER.password);
    const admin = await passwordSession(server.baseUrl, server.admin.email, server.admin.password);
    const buildId: [string, string] = ["buildId", build?.id ?? ""];
    const cases: [string, [string, string][]][] = [
      ["lib/builds/actions.ts#promoteBuildAction", [buildId, ["channel", "qa"], ["createChannel", "on"]]],
      ["lib/builds/actions.ts#editNotesAction", [buildId, ["notes", "hijacked"]]],
      ["lib/builds/actions.ts#deleteBuildAction", [buildId]],
    ];
    for (const [key, fields] of cases) {
      const refused = await invokeAction(server.baseUrl, {
        path: page,
        actionId: action(key),
        fields,
        cookie: uploader ?? "",
      });
      assert.ok(refused.state && "error" in refused.state, `${key} refused: ${refused.body.slice(0, 200)}`);
    }
    assert.equal(
      (await queryDatabase(server.databaseUrl, "SELECT 1 FROM builds WHERE id = $1", [build?.id])).length,
      1,
    );
    const promoted = await invokeAction(server.baseUrl, {
      path: page,
      actionId: action(cases[0]![0]),
      fields: cases[0]![1],
      cookie: admin ?? "",
    });
    assert.equal(promoted.state?.ok, true, JSON.stringify(promoted.state));
    const deleted = await invokeAction(server.baseUrl, {
      path: page,
      actionId: action(cases[2]![0]),
      fields: cases[2]![1],
      cookie: admin ?? "",
    });
    assert.ok(deleted.status === 303 || deleted.status === 200, String(deleted.status));
    assert.equal(
      (await queryDatabase(server.databaseUrl, "SELECT 1 FROM builds WHERE id = $1", [build?.id])).length,
      0,
    );
  });

  test("a new channel is created only when asked: typos refused with createChannel=false; rename, take out, delete", async () => {
    const [app] = await queryDatabase<{ id: string }>(server.databaseUrl, "SELECT id FROM apps WHERE bundle_id = $1", [
      BUNDLE,
    ]);
    const appId = app?.id ?? "";
    const typo = await upload("20", "?channel=prodution&createChannel=false");
    assert.equal(typo.status, 422);
    const error = (typo.body as { error: { code: string; message: string } }).error;
    assert.equal(error.code, "unknown_channel");
    assert.match(error.message, /^Unknown channel "prodution": .*'s channels are default, .*production/);
    // Nothing stored, no channel made.
    const channels = async () =>
      (
        await queryDatabase<{ name: string }>(
          server.databaseUrl,
          "SELECT name FROM channels WHERE app_id = $1 ORDER BY name",
          [appId],
        )
      ).map((r) => r.name);
    assert.ok(!(await channels()).includes("prodution"));

    // CI as before: the channel is created, and the answer says so.
    const created = await upload("20", "?channel=prodution");
    assert.equal(created.status, 201);
    assert.deepEqual(created.body.channelsCreated, ["prodution"]);
    const build = created.body.build as BuildJson;
    const existing = await upload("21", "?channel=prodution&createChannel=false");
    assert.equal(existing.status, 201);
    assert.deepEqual(existing.body.channelsCreated, []);
    const [row] = await queryDatabase<{ n: string }>(
      server.databaseUrl,
      "SELECT count(*) AS n FROM audit_events WHERE action = 'channel.create' AND target_id = $1",
      [`${appId}/prodution`],
    );
    assert.equal(Number(row?.n), 1);
    const promoteStrict = await api(`/api/v1/builds/${build.id}/channels`, adminToken, {
      method: "POST",
      body: JSON.stringify({ channel: "qa-typo", createChannel: false }),
    });
    assert.equal(promoteStrict.status, 422);

    // Rename: taken names refused; then the typo fixed.
    const clash = await api(`/api/v1/apps/${appId}/channels/prodution`, adminToken, {
      method: "PATCH",
      body: JSON.stringify({ name: "beta" }),
    });
    assert.equal(clash.status, 409);
    const renamed = await api(`/api/v1/apps/${appId}/channels/prodution`, adminToken, {
      method: "PATCH",
      body: JSON.stringify({ name: "production-eu" }),
    });
    assert.equal(renamed.status, 200);
    assert.deepEqual(await renamed.json(), { channel: "production-eu", previous: "prodution", changed: true });
    assert.equal((await latest(appId, "prodution")).status, 404);
    assert.equal((await latest(appId, "production-eu")).status, 200);

    // Take a build out of a channel: not its only one.
    const only = await api(`/api/v1/builds/${build.id}/channels/production-eu`, adminToken, { method: "DELETE" });
    assert.equal(only.status, 409);
    await api(`/api/v1/builds/${build.id}/channels`, adminToken, {
      method: "POST",
      body: JSON.stringify({ channel: "beta" }),
    });
    const out = await api(`/api/v1/builds/${build.id}/channels/production-eu`, adminToken, { method: "DELETE" });
    assert.equal(out.status, 200);
    assert.deepEqual(((await out.json()) as { build: BuildJson }).build.channels, ["beta"]);

    // Delete: the build only there needs a destination; builds are never deleted.
    const refused = await api(`/api/v1/apps/${appId}/channels/production-eu`, adminToken, { method: "DELETE" });
    assert.equal(refused.status, 409);
    const deleted = await api(`/api/v1/apps/${appId}/channels/production-eu?moveTo=production`, adminToken, {
      method: "DELETE",
    });
    assert.equal(deleted.status, 200);
    assert.deepEqual(await deleted.json(), {
      deleted: "production-eu",
      buildsRemoved: 1,
      buildsMoved: 1,
      moveTo: "production",
    });
    assert.ok(!(await channels()).includes("production-eu"));
    assert.equal((await api(`/api/v1/builds/${build.id}`, adminToken)).status, 200);
    const defaultChannel = await api(`/api/v1/apps/${appId}/channels/default`, adminToken, { method: "DELETE" });
    assert.equal(defaultChannel.status, 409);
  });
});
