/**
 * Who may call which API route (bearer tokens): every role
 * (tests/helpers/authorization-world.ts) against its own app, a foreign app and
 * a new app; token scopes and expiry.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import { describe, test } from "node:test";
import {
  actors,
  api,
  check,
  foreign,
  ipaFor,
  own,
  setUpWorld,
  sql,
  uploadAs,
  world,
} from "./helpers/authorization-world";
import { createToken } from "./helpers/ferry-server";
import { fixturePath } from "./helpers/fixtures";

setUpWorld();

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
      const profile = fixturePath("profiles", "app_info--ios_adhoc.mobileprovision");
      const body = new FormData();
      body.append("file", await fs.openAsBlob(profile), "p.mobileprovision");
      const res = await fetch(`${world.server.baseUrl}/api/v1/profiles/inspect`, {
        method: "POST",
        headers: a.token ? { authorization: `Bearer ${a.token}` } : {},
        body,
      });
      return res.status;
    },
  );

  test("a read-only token cannot upload; an expired token is refused", async () => {
    const readOnly = await createToken(world.server, world.server.admin.email, ["--scopes", "read"]);
    assert.equal((await uploadAs(readOnly, await ipaFor(own().bundleId))).status, 403);
    const expiring = await createToken(world.server, world.server.admin.email, ["--expires", "60"]);
    await sql("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE expires_at IS NOT NULL");
    assert.equal(await api({ ...actors.admin, token: expiring }, "/api/v1/apps"), 401);
  });
});
