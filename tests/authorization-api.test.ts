/**
 * Who may call which API route (bearer tokens): every role
 * (tests/helpers/authorization-world.ts) against its own app, a foreign app and
 * a new app; token scopes and expiry.
 */
import assert from "node:assert/strict";
import { createHash, generateKeyPairSync, randomBytes, randomUUID, X509Certificate } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { before, describe, test } from "node:test";
import * as plist from "plist";
import {
  type Actor,
  actors,
  api,
  check,
  foreign,
  ipaFor,
  own,
  RESTRICTED_CHANNEL,
  ROLES,
  type Role,
  restricted,
  setUpWorld,
  sql,
  uploadAs,
  world,
} from "./helpers/authorization-world";
import { signPost, testDeviceIdentityCa } from "./helpers/device-identity";
import { createToken } from "./helpers/ferry-server";
import { generateIpa } from "./helpers/generate-ipa";
import { exportP12, makeTestPki, TEST_TEAM_ID, type TestPki } from "./helpers/signing-pki";
import { embeddedProfile, testProfile } from "./helpers/test-profile";

setUpWorld();

/** An API route's status as `actor` (session cookie, no token). */
async function viaSession(actor: Actor, url: string): Promise<number> {
  const res = await fetch(`${world.server.baseUrl}${url}`, { headers: actor.cookie ? { cookie: actor.cookie } : {} });
  await res.arrayBuffer();
  return res.status;
}

/** Every registered device, as a whole (a refused call must leave it as it was). */
async function devicesState(): Promise<unknown> {
  const [row] = await sql<{ state: unknown }>(
    `SELECT json_agg(json_build_object('id', id, 'udid', udid, 'user', user_id, 'name', name,
       'disabled_at', disabled_at) ORDER BY id) AS state FROM devices`,
  );
  return row?.state ?? null;
}

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
      const profile = testProfile({ bundleId: "com.example.inspect", type: "ad-hoc" });
      const body = new FormData();
      body.append("file", new Blob([profile]), "p.mobileprovision");
      const res = await fetch(`${world.server.baseUrl}/api/v1/profiles/inspect`, {
        method: "POST",
        headers: a.token ? { authorization: `Bearer ${a.token}` } : {},
        body,
      });
      return res.status;
    },
  );

  check(
    "GET /api/v1/builds/<own build>",
    { anonymous: 401, memberNoAccess: 404, memberWithAccess: 200, uploader: 200, admin: 200, disabled: 401 },
    (a) => api(a, `/api/v1/builds/${own().buildId}`),
  );
  check(
    "GET /api/v1/builds/<foreign build>",
    { anonymous: 401, memberNoAccess: 404, memberWithAccess: 404, uploader: 404, admin: 200, disabled: 401 },
    (a) => api(a, `/api/v1/builds/${foreign().buildId}`),
  );
  check(
    "GET /api/v1/builds/<unknown build>",
    { anonymous: 401, memberNoAccess: 404, memberWithAccess: 404, uploader: 404, admin: 404, disabled: 401 },
    (a) => api(a, "/api/v1/builds/00000000-0000-4000-8000-000000000000"),
  );
  check(
    "GET /api/v1/builds/<own build> (session cookie)",
    { anonymous: 401, memberNoAccess: 404, memberWithAccess: 200, uploader: 200, admin: 200, disabled: 401 },
    (a) => viaSession(a, `/api/v1/builds/${own().buildId}`),
  );
  check(
    "GET /api/v1/builds/<foreign build> (session cookie)",
    { anonymous: 401, memberNoAccess: 404, memberWithAccess: 404, uploader: 404, admin: 200, disabled: 401 },
    (a) => viaSession(a, `/api/v1/builds/${foreign().buildId}`),
  );
  check(
    "GET /api/v1/builds/<build only in a restricted channel>",
    { anonymous: 401, memberNoAccess: 404, memberWithAccess: 404, uploader: 404, admin: 200, disabled: 401 },
    (a) => api(a, `/api/v1/builds/${restricted().buildId}`),
  );
  check(
    "GET /api/v1/apps/<own>/channels/default/latest",
    { anonymous: 401, memberNoAccess: 404, memberWithAccess: 200, uploader: 200, admin: 200, disabled: 401 },
    (a) => api(a, `/api/v1/apps/${own().appId}/channels/default/latest`),
  );
  check(
    "GET /api/v1/apps/<foreign>/channels/default/latest",
    { anonymous: 401, memberNoAccess: 404, memberWithAccess: 404, uploader: 404, admin: 200, disabled: 401 },
    (a) => api(a, `/api/v1/apps/${foreign().appId}/channels/default/latest`),
  );
  check(
    "GET /api/v1/apps/<own>/channels/<restricted channel>/latest",
    { anonymous: 401, memberNoAccess: 404, memberWithAccess: 404, uploader: 404, admin: 200, disabled: 401 },
    (a) => api(a, `/api/v1/apps/${own().appId}/channels/${RESTRICTED_CHANNEL}/latest`),
  );
  check(
    "GET /api/v1/apps/<own>/channels/default/latest (session cookie)",
    { anonymous: 401, memberNoAccess: 404, memberWithAccess: 200, uploader: 200, admin: 200, disabled: 401 },
    (a) => viaSession(a, `/api/v1/apps/${own().appId}/channels/default/latest`),
  );
  test("the own app's build list leaves out the build only in a restricted channel (admins see it)", async () => {
    const ids = async (a: Actor) =>
      (
        (await (
          await fetch(`${world.server.baseUrl}/api/v1/apps/${own().appId}/builds`, {
            headers: { authorization: `Bearer ${a.token}` },
          })
        ).json()) as { builds: { id: string }[] }
      ).builds.map((b) => b.id);
    assert.ok((await ids(actors.memberWithAccess)).includes(own().buildId));
    assert.ok(!(await ids(actors.memberWithAccess)).includes(restricted().buildId));
    assert.ok(!(await ids(actors.uploader)).includes(restricted().buildId));
    assert.ok((await ids(actors.admin)).includes(restricted().buildId));
  });

  /** Builds, their notes and channels, as a whole (a refused write must leave them as they were). */
  async function buildsState(): Promise<string> {
    const [row] = await sql<{ state: unknown }>(
      `SELECT json_build_object(
        'builds', (SELECT json_agg(json_build_object('id', id, 'notes', notes) ORDER BY id) FROM builds),
        'channels', (SELECT json_agg(json_build_object('id', id, 'app', app_id, 'name', name, 'restricted', restricted)
          ORDER BY id) FROM channels),
        'build_channels', (SELECT json_agg(json_build_object('build', build_id, 'channel', channel_id)
          ORDER BY build_id, channel_id) FROM build_channels)
      ) AS state`,
    );
    return JSON.stringify(row?.state ?? null);
  }
  type Via = "token" | "session" | "session, cross-site";
  /** A write to a build route as `actor`: its status, and whether builds or channels changed. */
  async function write(actor: Actor, method: string, url: string, body: unknown, via: Via = "token") {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (via === "token" && actor.token) headers.authorization = `Bearer ${actor.token}`;
    if (via !== "token" && actor.cookie) headers.cookie = actor.cookie;
    if (via === "session") headers.origin = world.server.baseUrl;
    if (via === "session, cross-site") headers.origin = "https://evil.example";
    const before = await buildsState();
    const res = await fetch(`${world.server.baseUrl}${url}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    await res.arrayBuffer();
    return `${res.status}, ${(await buildsState()) === before ? "unchanged" : "changed"}`;
  }

  // Members' tokens are read-only (the upload scope is for uploaders and admins).
  const PUBLISHERS_OF_OWN = {
    anonymous: "401, unchanged",
    memberNoAccess: "403, unchanged",
    memberWithAccess: "403, unchanged",
    uploader: "200, changed",
    admin: "200, changed",
    disabled: "401, unchanged",
  };
  for (const via of ["token", "session", "session, cross-site"] as const) {
    check(
      `PATCH /api/v1/builds/<own build> (release notes; ${via})`,
      via === "session, cross-site"
        ? { ...PUBLISHERS_OF_OWN, uploader: "403, unchanged", admin: "403, unchanged" }
        : // Members are refused by role before their body is read (issue 20), whatever the build:
          // 403 by session as by token, which says nothing about the build.
          PUBLISHERS_OF_OWN,
      (a) => write(a, "PATCH", `/api/v1/builds/${own().buildId}`, { notes: `Notes by ${a.role} via ${via}` }, via),
    );
  }
  check("PATCH /api/v1/builds/<foreign build>", { ...PUBLISHERS_OF_OWN, uploader: "404, unchanged" }, (a) =>
    write(a, "PATCH", `/api/v1/builds/${foreign().buildId}`, { notes: `Notes by ${a.role}` }),
  );
  check(
    "PATCH /api/v1/builds/<build only in a restricted channel>",
    { ...PUBLISHERS_OF_OWN, uploader: "404, unchanged" },
    (a) => write(a, "PATCH", `/api/v1/builds/${restricted().buildId}`, { notes: `Notes by ${a.role}` }),
  );

  /** Promotes `buildId` into a channel of the actor's own name, then removes that channel again. */
  async function promote(actor: Actor, buildId: string, via: Via = "token"): Promise<string> {
    const channel = `api-${actor.role.toLowerCase()}`;
    try {
      return await write(actor, "POST", `/api/v1/builds/${buildId}/channels`, { channel }, via);
    } finally {
      // A promoted build is visible through its new channel: the rows after this one expect the world as it was.
      await sql("DELETE FROM channels WHERE name = $1", [channel]);
    }
  }
  const PROMOTE_OWN = { ...PUBLISHERS_OF_OWN, uploader: "201, changed", admin: "201, changed" };
  check("POST /api/v1/builds/<own build>/channels (token)", PROMOTE_OWN, (a) => promote(a, own().buildId));
  // Members are refused by role before their body is read (issue 20): 403 by session as by token.
  check("POST /api/v1/builds/<own build>/channels (session, same origin)", PROMOTE_OWN, (a) =>
    promote(a, own().buildId, "session"),
  );
  check(
    "POST /api/v1/builds/<own build>/channels (session, cross-site)",
    { ...PROMOTE_OWN, uploader: "403, unchanged", admin: "403, unchanged" },
    (a) => promote(a, own().buildId, "session, cross-site"),
  );
  check("POST /api/v1/builds/<foreign build>/channels", { ...PROMOTE_OWN, uploader: "404, unchanged" }, (a) =>
    promote(a, foreign().buildId),
  );
  check(
    "POST /api/v1/builds/<build only in a restricted channel>/channels",
    { ...PROMOTE_OWN, uploader: "404, unchanged" },
    (a) => promote(a, restricted().buildId),
  );

  check(
    "POST /api/v1/builds/<own build>/channels into the restricted channel (its groups hold none of the actors)",
    { ...PROMOTE_OWN, uploader: "403, unchanged" },
    async (a) => {
      try {
        return await write(a, "POST", `/api/v1/builds/${own().buildId}/channels`, { channel: RESTRICTED_CHANNEL });
      } finally {
        await sql(
          "DELETE FROM build_channels WHERE build_id = $1 AND channel_id IN (SELECT id FROM channels WHERE app_id = $2 AND name = $3)",
          [own().buildId, own().appId, RESTRICTED_CHANNEL],
        );
      }
    },
  );

  /** One new build per role (of the own or the foreign app), deleted as that role. */
  async function deleteNew(actor: Actor, app: "own" | "foreign", via: Via = "token"): Promise<string> {
    const bundleId = app === "own" ? own().bundleId : foreign().bundleId;
    const uploaded = await uploadAs(actors.admin.token, await ipaFor(bundleId));
    assert.equal(uploaded.status, 201);
    return write(actor, "DELETE", `/api/v1/builds/${uploaded.json.build!.id}`, undefined, via);
  }
  const DELETE_OWN = { ...PUBLISHERS_OF_OWN, uploader: "204, changed", admin: "204, changed" };
  check("DELETE /api/v1/builds/<a build of the own app>", DELETE_OWN, (a) => deleteNew(a, "own"));
  check(
    "DELETE /api/v1/builds/<a build of the own app> (session, same origin)",
    { ...DELETE_OWN, memberNoAccess: "404, unchanged" },
    (a) => deleteNew(a, "own", "session"),
  );
  check(
    "DELETE /api/v1/builds/<a build of the own app> (session, cross-site)",
    { ...DELETE_OWN, uploader: "403, unchanged", admin: "403, unchanged" },
    (a) => deleteNew(a, "own", "session, cross-site"),
  );
  check("DELETE /api/v1/builds/<a build of the foreign app>", { ...DELETE_OWN, uploader: "404, unchanged" }, (a) =>
    deleteNew(a, "foreign"),
  );

  /** A fresh channel `name` of `appId` (holding `buildId`, if given), made with SQL around one row of the matrix. */
  async function withChannel<T>(
    appId: string,
    name: string,
    buildId: string | null,
    run: () => Promise<T>,
  ): Promise<T> {
    const [row] = await sql<{ id: string }>(
      "INSERT INTO channels (id, app_id, name, created_at) VALUES (gen_random_uuid(), $1, $2, now()) RETURNING id",
      [appId, name],
    );
    if (buildId) await sql("INSERT INTO build_channels (build_id, channel_id) VALUES ($1, $2)", [buildId, row?.id]);
    try {
      return await run();
    } finally {
      await sql("DELETE FROM channels WHERE app_id = $1 AND (name = $2 OR name = $3)", [
        appId,
        name,
        `${name}-renamed`,
      ]);
    }
  }
  const CHANGE_OWN = { ...PUBLISHERS_OF_OWN, uploader: "200, changed", admin: "200, changed" };
  for (const via of ["token", "session", "session, cross-site"] as const) {
    const crossSite = via === "session, cross-site";
    const expected = crossSite ? { ...CHANGE_OWN, uploader: "403, unchanged", admin: "403, unchanged" } : CHANGE_OWN;
    check(`DELETE /api/v1/builds/<own build>/channels/<channel> (${via})`, expected, (a) => {
      const name = `rm-${a.role.toLowerCase()}`;
      return withChannel(own().appId, name, own().buildId, () =>
        write(a, "DELETE", `/api/v1/builds/${own().buildId}/channels/${name}`, undefined, via),
      );
    });
    check(`PATCH /api/v1/apps/<own>/channels/<channel> (${via})`, expected, (a) => {
      const name = `ren-${a.role.toLowerCase()}`;
      return withChannel(own().appId, name, null, () =>
        write(a, "PATCH", `/api/v1/apps/${own().appId}/channels/${name}`, { name: `${name}-renamed` }, via),
      );
    });
    check(`DELETE /api/v1/apps/<own>/channels/<channel> (${via})`, expected, (a) => {
      const name = `del-${a.role.toLowerCase()}`;
      return withChannel(own().appId, name, null, () =>
        write(a, "DELETE", `/api/v1/apps/${own().appId}/channels/${name}`, undefined, via),
      );
    });
  }
  // Uploaders of the own app only: the foreign app's channels are as unknown to them as its builds.
  check(
    "DELETE /api/v1/builds/<foreign build>/channels/<channel>",
    { ...CHANGE_OWN, uploader: "404, unchanged" },
    (a) => {
      const name = `rmf-${a.role.toLowerCase()}`;
      return withChannel(foreign().appId, name, foreign().buildId, () =>
        write(a, "DELETE", `/api/v1/builds/${foreign().buildId}/channels/${name}`, undefined),
      );
    },
  );
  check("PATCH /api/v1/apps/<foreign>/channels/<channel>", { ...CHANGE_OWN, uploader: "404, unchanged" }, (a) => {
    const name = `renf-${a.role.toLowerCase()}`;
    return withChannel(foreign().appId, name, null, () =>
      write(a, "PATCH", `/api/v1/apps/${foreign().appId}/channels/${name}`, { name: `${name}-renamed` }),
    );
  });
  check("DELETE /api/v1/apps/<foreign>/channels/<channel>", { ...CHANGE_OWN, uploader: "404, unchanged" }, (a) => {
    const name = `delf-${a.role.toLowerCase()}`;
    return withChannel(foreign().appId, name, null, () =>
      write(a, "DELETE", `/api/v1/apps/${foreign().appId}/channels/${name}`, undefined),
    );
  });
  check(
    "PATCH /api/v1/apps/<own>/channels/<restricted channel> (its groups hold none of the actors)",
    { ...CHANGE_OWN, uploader: "404, unchanged" },
    async (a) => {
      try {
        return await write(a, "PATCH", `/api/v1/apps/${own().appId}/channels/${RESTRICTED_CHANNEL}`, {
          name: `${RESTRICTED_CHANNEL}-${a.role.toLowerCase()}`,
        });
      } finally {
        await sql("UPDATE channels SET name = $1 WHERE app_id = $2 AND name LIKE $3", [
          RESTRICTED_CHANNEL,
          own().appId,
          `${RESTRICTED_CHANNEL}-%`,
        ]);
      }
    },
  );

  for (const [label, query] of [
    ["format=apple", () => "format=apple"],
    ["format=csv", () => "format=csv"],
    ["format=csv&buildId=<own build>", () => `format=csv&buildId=${own().buildId}`],
  ] as const) {
    check(
      `GET /api/v1/devices/export?${label}`,
      {
        anonymous: 401,
        memberNoAccess: 403,
        memberWithAccess: 403,
        uploader: 403,
        // The generated builds are not limited to listed devices: the admin is answered, with a 400.
        admin: label.includes("buildId") ? 400 : 200,
        disabled: 401,
      },
      (a) => api(a, `/api/v1/devices/export?${query()}`),
    );
  }
  check(
    "GET /api/v1/devices/export?format=apple (session cookie)",
    { anonymous: 401, memberNoAccess: 403, memberWithAccess: 403, uploader: 403, admin: 200, disabled: 401 },
    (a) => viaSession(a, "/api/v1/devices/export?format=apple"),
  );
  check(
    "GET /api/v1/devices/export?buildId=<foreign build> (only an admin learns the build exists)",
    { anonymous: 401, memberNoAccess: 403, memberWithAccess: 403, uploader: 403, admin: 400, disabled: 401 },
    (a) => api(a, `/api/v1/devices/export?buildId=${foreign().buildId}`),
  );

  /** A device list with one new UDID per call, posted as `actor`: the status, and whether the devices changed. */
  async function importAs(actor: Actor, via: "token" | "session", origin?: string): Promise<string> {
    const udid = randomBytes(20).toString("hex");
    const headers: Record<string, string> = { "content-type": "text/plain" };
    if (via === "token" && actor.token) headers.authorization = `Bearer ${actor.token}`;
    if (via === "session" && actor.cookie) headers.cookie = actor.cookie;
    if (origin) headers.origin = origin;
    const before = await devicesState();
    const res = await fetch(`${world.server.baseUrl}/api/v1/devices/import`, {
      method: "POST",
      headers,
      body: `Device ID\tDevice Name\tDevice Platform\n${udid}\tMatrix ${actor.role}\tios\n`,
    });
    await res.arrayBuffer();
    const after = await devicesState();
    return `${res.status}, ${JSON.stringify(after) === JSON.stringify(before) ? "unchanged" : "changed"}`;
  }
  const importExpected = {
    anonymous: "401, unchanged",
    memberNoAccess: "403, unchanged",
    memberWithAccess: "403, unchanged",
    uploader: "403, unchanged",
    admin: "200, changed",
    disabled: "401, unchanged",
  };
  check("POST /api/v1/devices/import (token)", importExpected, (a) => importAs(a, "token"));
  check("POST /api/v1/devices/import (session, same origin)", importExpected, (a) =>
    importAs(a, "session", world.server.baseUrl),
  );
  check("POST /api/v1/devices/import (session, cross-site)", { ...importExpected, admin: "403, unchanged" }, (a) =>
    importAs(a, "session", "https://evil.example"),
  );

  /**
   * The profile service takes no session (iOS sends no cookies): a signed
   * answer registers a device for the user its challenge was issued to, never
   * for the cookie's owner; a challenge for the role's account is inserted as
   * /devices/enroll would (anonymous gets one never issued).
   */
  const deviceKey = testDeviceIdentityCa().newDevice();
  async function registerAs(actor: Actor, signed: boolean): Promise<string> {
    const challenge = randomBytes(16).toString("hex");
    if (actor.role !== "anonymous") {
      await sql(
        "INSERT INTO device_enrollments (challenge_hash, user_id, expires_at) VALUES ($1, $2, now() + interval '1 hour')",
        [createHash("sha256").update(challenge, "utf8").digest("hex"), actor.id],
      );
    }
    const udid = randomBytes(20).toString("hex");
    const xml = Buffer.from(plist.build({ UDID: udid, CHALLENGE: challenge, PRODUCT: "iPhone15,2", VERSION: "21F90" }));
    const before = await devicesState();
    const res = await fetch(`${world.server.baseUrl}/api/v1/devices/profile-service`, {
      method: "POST",
      redirect: "manual",
      // The admin's cookie rides along: it must not pick the owner.
      headers: { "content-type": "application/pkcs7-signature", cookie: actors.admin.cookie },
      body: new Uint8Array(signed ? signPost(xml, deviceKey) : xml),
    });
    const code = res.status >= 400 ? ((await res.json()) as { error: { code: string } }).error.code : "";
    if (res.status < 400) await res.arrayBuffer();
    const [row] = await sql<{ user_id: string }>("SELECT user_id FROM devices WHERE udid = $1", [udid]);
    if (row) assert.equal(row.user_id, actor.id, `${actor.role}'s challenge registers the device for ${actor.role}`);
    const after = await devicesState();
    const changed = JSON.stringify(after) === JSON.stringify(before) ? "unchanged" : "changed";
    return `${res.status}${code ? ` ${code}` : ""}, ${changed}`;
  }
  check(
    "POST /api/v1/devices/profile-service (signed answer with the role's challenge)",
    {
      anonymous: "403 enrollment_challenge_invalid, unchanged",
      memberNoAccess: "301, changed",
      memberWithAccess: "301, changed",
      uploader: "301, changed",
      admin: "301, changed",
      disabled: "403 enrollment_challenge_invalid, unchanged",
    },
    (a) => registerAs(a, true),
  );
  check(
    "POST /api/v1/devices/profile-service (unsigned answer with the role's challenge)",
    Object.fromEntries(ROLES.map((r) => [r, "400 unsigned_device_response, unchanged"])) as Record<Role, string>,
    (a) => registerAs(a, false),
  );

  /**
   * nginx's report of an offloaded download (DOWNLOAD_OFFLOAD_SECRET) counts a completion: no
   * role's token or session stands in for the secret, whatever report it sends.
   */
  async function reportCompletion(actor: Actor): Promise<string> {
    const completed = async () =>
      (
        await sql<{ n: number }>("SELECT count(*)::int AS n FROM audit_events WHERE action = 'ipa.download_complete'")
      )[0]?.n;
    const before = await completed();
    const res = await fetch(`${world.server.baseUrl}/api/v1/downloads/completed`, {
      method: "POST",
      headers: {
        ...(actor.token ? { authorization: `Bearer ${actor.token}` } : {}),
        ...(actor.cookie ? { cookie: actor.cookie } : {}),
        "x-ferry-download": "forged.receipt",
        "x-ferry-completion": "OK",
        "x-ferry-status": "200",
        "x-ferry-bytes-sent": "1",
      },
    });
    await res.arrayBuffer();
    return `${res.status}, ${(await completed()) === before ? "unchanged" : "changed"}`;
  }
  check(
    "POST /api/v1/downloads/completed (nginx's report, without its secret)",
    Object.fromEntries(ROLES.map((r) => [r, "404, unchanged"])) as Record<Role, string>,
    reportCompletion,
  );

  test("a read-only token cannot upload; an expired token is refused", async () => {
    const readOnly = await createToken(world.server, world.server.admin.email, ["--scopes", "read"]);
    assert.equal((await uploadAs(readOnly, await ipaFor(own().bundleId))).status, 403);
    const expiring = await createToken(world.server, world.server.admin.email, ["--expires", "60"]);
    await sql("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE expires_at IS NOT NULL");
    assert.equal(await api({ ...actors.admin, token: expiring }, "/api/v1/apps"), 401);
  });
});

describe("webhooks API (admins only) and the OpenAPI document (public)", () => {
  /** Webhooks and their delivery log, as a whole (a refused call must leave them as they were). */
  async function webhooksState(): Promise<string> {
    const [row] = await sql<{ state: unknown }>(
      `SELECT json_build_object(
        'webhooks', (SELECT json_agg(json_build_object('id', id, 'app', app_id, 'url', url, 'secret', secret,
          'events', events, 'format', format, 'enabled', enabled) ORDER BY id) FROM webhooks),
        'webhook_deliveries', (SELECT json_agg(json_build_object('id', id, 'webhook', webhook_id, 'event', event)
          ORDER BY id) FROM webhook_deliveries)
      ) AS state`,
    );
    return JSON.stringify(row?.state ?? null);
  }
  /** A disabled webhook of `appId` (no event is queued for it) with one delivery in its log. */
  async function insertWebhook(appId: string, url: string): Promise<string> {
    const [hook] = await sql<{ id: string }>(
      `INSERT INTO webhooks (app_id, url, secret, events, enabled) VALUES ($1, $2, 'matrix-secret-0123456789',
       '{build.created}', false) RETURNING id`,
      [appId, url],
    );
    await sql(
      `INSERT INTO webhook_deliveries (webhook_id, event, payload, status) VALUES ($1, 'build.created', '{}', 'failed')`,
      [hook!.id],
    );
    return hook!.id;
  }
  type Via = "token" | "session" | "session, cross-site";
  async function call(actor: Actor, method: string, url: string, body: unknown, via: Via): Promise<string> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (via === "token" && actor.token) headers.authorization = `Bearer ${actor.token}`;
    if (via !== "token" && actor.cookie) headers.cookie = actor.cookie;
    if (via === "session") headers.origin = world.server.baseUrl;
    if (via === "session, cross-site") headers.origin = "https://evil.example";
    const before = await webhooksState();
    const res = await fetch(`${world.server.baseUrl}${url}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    await res.arrayBuffer();
    return `${res.status}, ${(await webhooksState()) === before ? "unchanged" : "changed"}`;
  }
  const ADMINS = (ok: string, via: Via): Record<Role, string> => ({
    anonymous: "401, unchanged",
    // Members' tokens lack the upload scope; uploaders have it, but webhooks are the admins'.
    memberNoAccess: "403, unchanged",
    memberWithAccess: "403, unchanged",
    uploader: "403, unchanged",
    admin: via === "session, cross-site" ? "403, unchanged" : ok,
    disabled: "401, unchanged",
  });

  for (const [label, appId] of [
    ["<own>", () => own().appId],
    ["<foreign>", () => foreign().appId],
  ] as const) {
    for (const via of ["token", "session", "session, cross-site"] as const) {
      check(`POST /api/v1/apps/${label}/webhooks (${via})`, ADMINS("201, changed", via), (a) =>
        call(
          a,
          "POST",
          `/api/v1/apps/${appId()}/webhooks`,
          { url: `https://hooks.example.com/matrix-${a.role.toLowerCase()}`, events: ["build.created"] },
          via,
        ),
      );
      check(`DELETE /api/v1/apps/${label}/webhooks/<webhook> (${via})`, ADMINS("204, changed", via), async (a) => {
        const id = await insertWebhook(appId(), `https://hooks.example.com/doomed-${a.role.toLowerCase()}`);
        return call(a, "DELETE", `/api/v1/apps/${appId()}/webhooks/${id}`, undefined, via);
      });
    }
    check(
      `GET /api/v1/apps/${label}/webhooks`,
      { anonymous: 401, memberNoAccess: 403, memberWithAccess: 403, uploader: 403, admin: 200, disabled: 401 },
      (a) => api(a, `/api/v1/apps/${appId()}/webhooks`),
    );
    check(
      `GET /api/v1/apps/${label}/webhooks (session cookie)`,
      { anonymous: 401, memberNoAccess: 403, memberWithAccess: 403, uploader: 403, admin: 200, disabled: 401 },
      (a) => viaSession(a, `/api/v1/apps/${appId()}/webhooks`),
    );
  }
  check(
    "GET /api/v1/apps/<unknown>/webhooks (only an admin learns the app does not exist)",
    { anonymous: 401, memberNoAccess: 403, memberWithAccess: 403, uploader: 403, admin: 404, disabled: 401 },
    (a) => api(a, "/api/v1/apps/00000000-0000-4000-8000-000000000000/webhooks"),
  );
  check(
    "DELETE /api/v1/apps/<own>/webhooks/<a webhook of the foreign app> (cross-app id)",
    ADMINS("404, unchanged", "token"),
    async (a) => {
      const id = await insertWebhook(foreign().appId, `https://hooks.example.com/cross-${a.role.toLowerCase()}`);
      return call(a, "DELETE", `/api/v1/apps/${own().appId}/webhooks/${id}`, undefined, "token");
    },
  );
  test("a read-only admin token cannot add or delete webhooks", async () => {
    const readOnly = await createToken(world.server, world.server.admin.email, ["--scopes", "read"]);
    const admin = { ...actors.admin, token: readOnly };
    const id = await insertWebhook(own().appId, "https://hooks.example.com/read-only");
    assert.equal(await api(admin, `/api/v1/apps/${own().appId}/webhooks`), 200);
    assert.equal(
      await call(
        admin,
        "POST",
        `/api/v1/apps/${own().appId}/webhooks`,
        { url: "https://hooks.example.com/x" },
        "token",
      ),
      "403, unchanged",
    );
    assert.equal(
      await call(admin, "DELETE", `/api/v1/apps/${own().appId}/webhooks/${id}`, undefined, "token"),
      "403, unchanged",
    );
  });

  const EVERYONE = Object.fromEntries(ROLES.map((r) => [r, 200])) as Record<Role, number>;
  check("GET /api/v1/openapi.json (token)", EVERYONE, (a) => api(a, "/api/v1/openapi.json"));
  check("GET /api/v1/openapi.json (session cookie)", EVERYONE, (a) => viaSession(a, "/api/v1/openapi.json"));
  test("GET /api/v1/openapi.json without credentials and with a bad token", async () => {
    const variants: Record<string, string>[] = [
      {},
      { authorization: "Bearer ferry_not-a-token" },
      { authorization: "Basic x" },
    ];
    for (const headers of variants) {
      const res = await fetch(`${world.server.baseUrl}/api/v1/openapi.json`, { headers });
      assert.equal(res.status, 200, JSON.stringify(headers));
      assert.equal(((await res.json()) as { openapi: string }).openapi.slice(0, 2), "3.");
    }
  });
});

describe("watches, update keys, the update check, one-click unsubscribe and webhook tests", () => {
  type Via = "token" | "session" | "session, cross-site";
  /** Watches and update keys as a whole (a refused call must leave them as they were). */
  async function state(): Promise<string> {
    const [row] = await sql<{ state: unknown }>(
      `SELECT json_build_object(
        'watches', (SELECT json_agg(json_build_object('id', id, 'user', user_id, 'app', app_id, 'channel', channel_id)
          ORDER BY id) FROM watches),
        'keys', (SELECT json_agg(json_build_object('id', id, 'app', app_id, 'revoked', revoked_at) ORDER BY id)
          FROM app_update_keys),
        'pings', (SELECT count(*) FROM webhook_deliveries WHERE event = 'ping')
      ) AS state`,
    );
    return JSON.stringify(row?.state ?? null);
  }
  async function call(actor: Actor, method: string, url: string, body: unknown, via: Via): Promise<string> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (via === "token" && actor.token) headers.authorization = `Bearer ${actor.token}`;
    if (via !== "token" && actor.cookie) headers.cookie = actor.cookie;
    if (via === "session") headers.origin = world.server.baseUrl;
    if (via === "session, cross-site") headers.origin = "https://evil.example";
    const before = await state();
    const res = await fetch(`${world.server.baseUrl}${url}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    await res.arrayBuffer();
    return `${res.status}, ${(await state()) === before ? "unchanged" : "changed"}`;
  }
  const dropWatches = () => sql("DELETE FROM watches");
  async function insertKey(appId: string): Promise<string> {
    const [row] = await sql<{ id: string }>(
      `INSERT INTO app_update_keys (app_id, name, key_hash, prefix)
       VALUES ($1, 'matrix', md5(random()::text) || md5(random()::text), 'matrix00') RETURNING id`,
      [appId],
    );
    return row!.id;
  }

  check(
    "GET /api/v1/watches",
    { anonymous: 401, memberNoAccess: 200, memberWithAccess: 200, uploader: 200, admin: 200, disabled: 401 },
    (a) => api(a, "/api/v1/watches"),
  );
  for (const via of ["token", "session", "session, cross-site"] as const) {
    const crossSite = via === "session, cross-site";
    check(
      `POST /api/v1/watches <own> (${via})`,
      {
        anonymous: "401, unchanged",
        memberNoAccess: crossSite ? "403, unchanged" : "404, unchanged",
        memberWithAccess: crossSite ? "403, unchanged" : "200, changed",
        uploader: crossSite ? "403, unchanged" : "200, changed",
        admin: crossSite ? "403, unchanged" : "200, changed",
        disabled: "401, unchanged",
      },
      async (a) => {
        await dropWatches();
        return call(a, "POST", "/api/v1/watches", { appId: own().appId, watching: true }, via);
      },
    );
  }
  check(
    "POST /api/v1/watches <foreign>",
    {
      anonymous: "401, unchanged",
      memberNoAccess: "404, unchanged",
      memberWithAccess: "404, unchanged",
      uploader: "404, unchanged",
      admin: "200, changed",
      disabled: "401, unchanged",
    },
    async (a) => {
      await dropWatches();
      return call(a, "POST", "/api/v1/watches", { appId: foreign().appId, watching: true }, "token");
    },
  );
  check(
    "POST /api/v1/watches <own>, restricted channel (its groups and admins only)",
    {
      anonymous: "401, unchanged",
      memberNoAccess: "404, unchanged",
      memberWithAccess: "404, unchanged",
      uploader: "404, unchanged",
      admin: "200, changed",
      disabled: "401, unchanged",
    },
    async (a) => {
      await dropWatches();
      const body = { appId: own().appId, channel: RESTRICTED_CHANNEL, watching: true };
      return call(a, "POST", "/api/v1/watches", body, "token");
    },
  );
  check(
    "POST /api/v1/notifications/unsubscribe with a forged token (no session needed, none helps)",
    Object.fromEntries(ROLES.map((r) => [r, "404, unchanged"])) as Record<Role, string>,
    (a) =>
      call(
        a,
        "POST",
        `/api/v1/notifications/unsubscribe?token=${a.id}.all.forged`,
        undefined,
        a.role === "anonymous" ? "token" : "session",
      ),
  );

  for (const [label, appId, uploaderOk] of [
    ["<own>", () => own().appId, true],
    ["<foreign>", () => foreign().appId, false],
  ] as const) {
    const managers = (ok: string | number, refused: string | number, none: string | number) =>
      ({
        anonymous: none,
        memberNoAccess: refused,
        memberWithAccess: refused,
        uploader: uploaderOk ? ok : refused,
        admin: ok,
        disabled: none,
      }) as Record<Role, string | number>;
    check(`GET /api/v1/apps/${label}/update-keys`, managers(200, 403, 401), (a) =>
      api(a, `/api/v1/apps/${appId()}/update-keys`),
    );
    for (const via of ["token", "session", "session, cross-site"] as const) {
      const expected = managers("201, changed", "403, unchanged", "401, unchanged");
      if (via === "session, cross-site")
        for (const r of ROLES) if (r !== "anonymous" && r !== "disabled") expected[r] = "403, unchanged";
      check(`POST /api/v1/apps/${label}/update-keys (${via})`, expected, (a) =>
        call(a, "POST", `/api/v1/apps/${appId()}/update-keys`, { name: `matrix ${a.role}` }, via),
      );
    }
    check(
      `DELETE /api/v1/apps/${label}/update-keys/<key>`,
      managers("204, changed", "403, unchanged", "401, unchanged"),
      async (a) =>
        call(a, "DELETE", `/api/v1/apps/${appId()}/update-keys/${await insertKey(appId())}`, undefined, "token"),
    );
    check(
      `POST /api/v1/apps/${label}/webhooks/<webhook>/test (admins; a refused address fails at once)`,
      {
        anonymous: "401, unchanged",
        memberNoAccess: "403, unchanged",
        memberWithAccess: "403, unchanged",
        uploader: "403, unchanged",
        admin: "200, changed",
        disabled: "401, unchanged",
      },
      async (a) => {
        const [hook] = await sql<{ id: string }>(
          `INSERT INTO webhooks (app_id, url, secret, events, enabled)
           VALUES ($1, 'http://127.0.0.1:9/matrix-ping', 'matrix-secret-0123456789', '{build.created}', false)
           RETURNING id`,
          [appId()],
        );
        return call(a, "POST", `/api/v1/apps/${appId()}/webhooks/${hook!.id}/test`, undefined, "token");
      },
    );
  }
  // "Add my iPhone": whoever sees the build (session from our origin; tokens need `upload`). The own
  // build installs anywhere (an enterprise profile), so those who see it hear 400 and nothing is queued.
  check(
    "POST /api/v1/builds/<own>/devices (session)",
    { anonymous: 401, memberNoAccess: 404, memberWithAccess: 400, uploader: 400, admin: 400, disabled: 401 },
    async (a) => {
      const res = await fetch(`${world.server.baseUrl}/api/v1/builds/${own().buildId}/devices`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          origin: world.server.baseUrl,
          ...(a.cookie ? { cookie: a.cookie } : {}),
        },
        body: "{}",
      });
      await res.arrayBuffer();
      return res.status;
    },
  );
  check(
    "GET /api/v1/builds/<foreign>/devices",
    { anonymous: 401, memberNoAccess: 404, memberWithAccess: 404, uploader: 404, admin: 200, disabled: 401 },
    (a) => api(a, `/api/v1/builds/${foreign().buildId}/devices`),
  );
  check(
    "GET /api/v1/apps/<bundle id>/latest with an API token or a session (not an update key): 401",
    Object.fromEntries(ROLES.map((r) => [r, 401])) as Record<Role, number>,
    async (a) => {
      const res = await fetch(`${world.server.baseUrl}/api/v1/apps/${own().bundleId}/latest?version=1.0`, {
        headers: {
          ...(a.token ? { authorization: `Bearer ${a.token}` } : {}),
          ...(a.cookie ? { cookie: a.cookie } : {}),
        },
      });
      await res.arrayBuffer();
      return res.status;
    },
  );
});

describe("signing API: admins, with the `sign` scope on tokens", () => {
  let pki: TestPki;
  let signToken = "";
  let baseIdentity = "";
  let baseProfile = "";
  /** A profile about to expire, embedded in the newest build of a channel of the own app. */
  let expiringProfile = "";

  /** Identities, profiles and jobs, as a whole (a refused call must leave them as they were). */
  async function signingState(): Promise<string> {
    const [row] = await sql<{ state: unknown }>(
      `SELECT json_build_object(
        'identities', (SELECT json_agg(id ORDER BY id) FROM signing_identities),
        'profiles', (SELECT json_agg(id ORDER BY id) FROM signing_profiles),
        'jobs', (SELECT json_agg(id ORDER BY id) FROM jobs),
        'ascKeys', (SELECT json_agg(id ORDER BY id) FROM app_store_connect_keys),
        'deviceSyncs', (SELECT json_agg(json_build_object('app', app_id, 'type', profile_type) ORDER BY app_id)
                        FROM app_device_syncs)) AS state`,
    );
    return JSON.stringify(row?.state ?? null);
  }
  type Via = "token" | "token with sign" | "session" | "session, cross-site";
  async function call(actor: Actor, method: string, url: string, body: BodyInit | undefined, via: Via) {
    const headers: Record<string, string> = {};
    if (typeof body === "string") headers["content-type"] = "application/json";
    if (Buffer.isBuffer(body)) headers["content-type"] = "application/octet-stream";
    const bearer = via === "token with sign" && actor.role === "admin" ? signToken : actor.token;
    if (via.startsWith("token") && bearer) headers.authorization = `Bearer ${bearer}`;
    if (via.startsWith("session") && actor.cookie) headers.cookie = actor.cookie;
    if (via === "session") headers.origin = world.server.baseUrl;
    if (via === "session, cross-site") headers.origin = "https://evil.example";
    const before = await signingState();
    const res = await fetch(`${world.server.baseUrl}${url}`, { method, headers, body });
    await res.arrayBuffer();
    return `${res.status}, ${(await signingState()) === before ? "unchanged" : "changed"}`;
  }
  /** Admins only; an admin's token needs `sign` (the default scopes leave it out). */
  const SIGNERS = (ok: string, via: Via): Record<Role, string> => ({
    anonymous: "401, unchanged",
    memberNoAccess: "403, unchanged",
    memberWithAccess: "403, unchanged",
    uploader: "403, unchanged",
    admin: via === "token" || via === "session, cross-site" ? "403, unchanged" : ok,
    disabled: "401, unchanged",
  });
  const p12Form = () => {
    const form = new FormData();
    form.append("certificate", new Blob([fs.readFileSync(pki.ec.cert)]));
    form.append("key", new Blob([fs.readFileSync(pki.ec.key)]));
    return form;
  };
  const certDer = () => Buffer.from(new X509Certificate(fs.readFileSync(pki.rsa.cert)).raw);
  const profile = (uuid = randomUUID()) =>
    Buffer.from(testProfile({ bundleId: "com.example.*", teamId: TEST_TEAM_ID, uuid, certificates: [certDer()] }));
  /** Rows a successful call added are removed again, so every role starts from the same state. */
  async function restore() {
    await sql("DELETE FROM signing_identities WHERE id <> $1", [baseIdentity]);
    await sql("DELETE FROM signing_profiles WHERE id <> $1 AND id <> $2", [baseProfile, expiringProfile]);
    await sql("DELETE FROM jobs");
    await sql("DELETE FROM app_store_connect_keys");
    await sql("DELETE FROM app_device_syncs");
  }
  const ascKeyBody = () =>
    JSON.stringify({
      issuerId: randomUUID(),
      keyId: "ABCDE12345",
      privateKey: generateKeyPairSync("ec", { namedCurve: "P-256" })
        .privateKey.export({ type: "pkcs8", format: "pem" })
        .toString(),
    });
  async function fakeIdentity(): Promise<string> {
    const [row] = await sql<{ id: string }>(
      `INSERT INTO signing_identities (id, common_name, serial, not_after, fingerprint, certificate, encrypted_key)
       VALUES (gen_random_uuid(), 'Doomed', '01', now() + interval '1 year', md5(random()::text), '\\x00', '\\x00')
       RETURNING id`,
    );
    return row!.id;
  }
  async function fakeProfile(): Promise<string> {
    const [row] = await sql<{ id: string }>(
      `INSERT INTO signing_profiles (id, uuid, name, type, app_id_pattern, certificate_fingerprints, devices, not_after, data)
       VALUES (gen_random_uuid(), md5(random()::text), 'Doomed', 'ad-hoc', '*', '{}', '{}', now() + interval '1 year', '\\x00')
       RETURNING id`,
    );
    return row!.id;
  }

  before(async () => {
    pki = makeTestPki(path.join(world.scratch, "signing-pki"));
    signToken = await createToken(world.server, world.server.admin.email, ["--scopes", "read,sign"]);
    const form = new FormData();
    form.append("file", new Blob([fs.readFileSync(exportP12(pki, pki.rsa, "matrix", "pw"))]));
    form.append("password", "pw");
    const identity = await fetch(`${world.server.baseUrl}/api/v1/signing/identities`, {
      method: "POST",
      headers: { authorization: `Bearer ${signToken}` },
      body: form,
    });
    assert.equal(identity.status, 201);
    baseIdentity = ((await identity.json()) as { identity: { id: string } }).identity.id;
    const added = await fetch(`${world.server.baseUrl}/api/v1/signing/profiles`, {
      method: "POST",
      headers: { authorization: `Bearer ${signToken}`, "content-type": "application/octet-stream" },
      body: profile(),
    });
    assert.equal(added.status, 201);
    baseProfile = ((await added.json()) as { profile: { id: string } }).profile.id;
    // Renewal: a build of the own app heading channel "renewals", embedding a profile that expires in 10 days.
    const expiringUuid = randomUUID().toUpperCase();
    const embedded = path.join(world.scratch, "renewable.ipa");
    await generateIpa(embedded, {
      bundleId: own().bundleId,
      version: "1.0",
      buildNumber: "renewable",
      name: "Matrix",
      padBytes: 256,
      extraFiles: [
        embeddedProfile("Matrix", own().bundleId, {
          bundleId: own().bundleId,
          teamId: TEST_TEAM_ID,
          uuid: expiringUuid,
        }),
      ],
    });
    assert.equal((await uploadAs(actors.admin.token, embedded, {}, "renewals")).status, 201);
    const [expiring] = await sql<{ id: string }>(
      `INSERT INTO signing_profiles (id, uuid, name, type, team_id, app_id_pattern, certificate_fingerprints, devices,
                                     not_after, data)
       VALUES (gen_random_uuid(), $1, 'Expiring', 'enterprise', $2, 'com.example.*', '{}', '{}',
               now() + interval '10 days', '\\x00')
       RETURNING id`,
      [expiringUuid, TEST_TEAM_ID],
    );
    expiringProfile = expiring!.id;
  });

  for (const via of ["token", "token with sign", "session", "session, cross-site"] as const) {
    check(`POST /api/v1/signing/identities (${via})`, SIGNERS("201, changed", via), async (a) => {
      const result = await call(a, "POST", "/api/v1/signing/identities", p12Form(), via);
      await restore();
      return result;
    });
    check(`DELETE /api/v1/signing/identities/<id> (${via})`, SIGNERS("204, changed", via), async (a) => {
      const result = await call(a, "DELETE", `/api/v1/signing/identities/${await fakeIdentity()}`, undefined, via);
      await restore();
      return result;
    });
    check(`POST /api/v1/signing/profiles (${via})`, SIGNERS("201, changed", via), async (a) => {
      const result = await call(a, "POST", "/api/v1/signing/profiles", profile(), via);
      await restore();
      return result;
    });
    check(`DELETE /api/v1/signing/profiles/<id> (${via})`, SIGNERS("204, changed", via), async (a) => {
      const result = await call(a, "DELETE", `/api/v1/signing/profiles/${await fakeProfile()}`, undefined, via);
      await restore();
      return result;
    });
    for (const [label, build] of [
      ["<own build>", () => own().buildId],
      ["<foreign build>", () => foreign().buildId],
      ["<build in a restricted channel>", () => restricted().buildId],
    ] as const) {
      check(`POST /api/v1/builds/${label}/resign (${via})`, SIGNERS("202, changed", via), async (a) => {
        const body = JSON.stringify({ identityId: baseIdentity, profileId: baseProfile });
        const result = await call(a, "POST", `/api/v1/builds/${build()}/resign`, body, via);
        await restore();
        return result;
      });
      check(`POST /api/v1/builds/${label}/resign/preview (${via})`, SIGNERS("200, unchanged", via), async (a) => {
        const body = JSON.stringify({ identityId: baseIdentity, profileId: baseProfile });
        return call(a, "POST", `/api/v1/builds/${build()}/resign/preview`, body, via);
      });
    }
    check(`POST /api/v1/signing/profiles/<expiring>/renew (${via})`, SIGNERS("202, changed", via), async (a) => {
      const body = JSON.stringify({ identityId: baseIdentity, profileId: baseProfile });
      const result = await call(a, "POST", `/api/v1/signing/profiles/${expiringProfile}/renew`, body, via);
      await restore();
      return result;
    });
    check(`PUT /api/v1/app-store-connect/key (${via})`, SIGNERS("200, changed", via), async (a) => {
      const result = await call(a, "PUT", "/api/v1/app-store-connect/key", ascKeyBody(), via);
      await restore();
      return result;
    });
    check(`DELETE /api/v1/app-store-connect/key (${via})`, SIGNERS("204, changed", via), async (a) => {
      await sql(
        `INSERT INTO app_store_connect_keys (id, issuer_id, key_id, encrypted_key) VALUES (gen_random_uuid(), 'i', 'k', '\\x00')`,
      );
      const result = await call(a, "DELETE", "/api/v1/app-store-connect/key", undefined, via);
      await restore();
      return result;
    });
    check(`PUT /api/v1/apps/<own>/device-sync (${via})`, SIGNERS("200, changed", via), async (a) => {
      const body = JSON.stringify({ enabled: true, identityId: baseIdentity, profileType: "ad-hoc" });
      const result = await call(a, "PUT", `/api/v1/apps/${own().appId}/device-sync`, body, via);
      await restore();
      return result;
    });
    // No key is set up: an admin hears so; nobody else gets that far.
    check(`POST /api/v1/app-store-connect/test (${via})`, SIGNERS("409, unchanged", via), (a) =>
      call(a, "POST", "/api/v1/app-store-connect/test", undefined, via),
    );
    // Reads need no same-origin check (they change nothing): a cross-site session read is an admin's read.
    const readVia = via === "session, cross-site" ? "session" : via;
    check(`GET /api/v1/signing/identities and profiles (${via})`, SIGNERS("200, unchanged", readVia), async (a) => {
      const identities = await call(a, "GET", "/api/v1/signing/identities", undefined, via);
      const profiles = await call(a, "GET", "/api/v1/signing/profiles", undefined, via);
      const renewable = await call(a, "GET", `/api/v1/signing/profiles/${expiringProfile}/renew`, undefined, via);
      assert.equal(profiles, identities);
      assert.equal(renewable, identities);
      const key = await call(a, "GET", "/api/v1/app-store-connect/key", undefined, via);
      const sync = await call(a, "GET", `/api/v1/apps/${own().appId}/device-sync`, undefined, via);
      assert.equal(key, identities);
      assert.equal(sync, identities);
      return identities;
    });
  }
  check(
    "POST /api/v1/builds/<unknown>/resign (only an admin learns the build does not exist)",
    SIGNERS("404, unchanged", "token with sign"),
    (a) =>
      call(
        a,
        "POST",
        "/api/v1/builds/00000000-0000-4000-8000-000000000000/resign",
        JSON.stringify({ identityId: baseIdentity, profileId: baseProfile }),
        "token with sign",
      ),
  );
  check("GET /api/v1/jobs/<job>", SIGNERS("200, unchanged", "token with sign"), async (a) => {
    const [job] = await sql<{ id: string }>(
      "INSERT INTO jobs (id, kind, payload) VALUES (gen_random_uuid(), 'build.resign', '{}') RETURNING id",
    );
    const result = await call(a, "GET", `/api/v1/jobs/${job!.id}`, undefined, "token with sign");
    await restore();
    return result;
  });
  test("only admins' tokens can carry `sign`; it is never a default", async () => {
    for (const role of ["uploader", "memberWithAccess"] as const) {
      const created = await world.server.cli([
        "token",
        "create",
        "--email",
        actors[role].email,
        "--name",
        "sign",
        "--scopes",
        "sign",
      ]);
      assert.notEqual(created.code, 0, `${role} got a sign token`);
    }
    const [row] = await sql<{ scopes: string[] }>(
      "SELECT scopes FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE u.email = $1 ORDER BY t.created_at LIMIT 1",
      [world.server.admin.email],
    );
    assert.ok(row && !row.scopes.includes("sign"));
  });
});
