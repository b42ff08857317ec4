/**
 * Who may open which page: every role (tests/helpers/authorization-world.ts)
 * against its own app, a foreign app and cross-app ids, and the admin and
 * settings pages (a refused page must not show anyone else's data).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type Actor,
  actors,
  check,
  foreign,
  own,
  page,
  ROLES,
  type Role,
  setUpWorld,
  signInRedirect,
  world,
} from "./helpers/authorization-world";

setUpWorld();

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
      const res = await fetch(`${world.server.baseUrl}/api/v1/apps`, {
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
      await fetch(`${world.server.baseUrl}/`, { headers: { cookie: actors.memberWithAccess.cookie } })
    ).text();
    assert.ok(html.includes(`/apps/${own().appId}`) && !html.includes(`/apps/${foreign().appId}`));
  });
});

describe("admin and settings pages", () => {
  const toSignIn = "307 → /sign-in";
  /** The status, and where a redirect goes; a refused page must not show anyone else's data. */
  async function landing(actor: Actor, url: string): Promise<string> {
    const res = await fetch(`${world.server.baseUrl}${url}`, {
      headers: actor.cookie ? { cookie: actor.cookie } : {},
      redirect: "manual",
    });
    const body = await res.text();
    if (res.status !== 200) {
      for (const other of Object.values(actors)) {
        if (other.email !== actor.email) assert.ok(!body.includes(other.email), `${url} leaks ${other.email}`);
      }
      assert.ok(!body.includes('data-testid="admin-nav"'), `${url} shows the admin tabs to ${actor.role}`);
    }
    const location = res.headers.get("location");
    return location ? `${res.status} → ${new URL(location, world.server.baseUrl).pathname}` : String(res.status);
  }

  for (const url of ["/admin/users", "/admin/groups", "/admin/apps", "/admin/audit", "/admin/settings"]) {
    check(
      `GET ${url}`,
      {
        anonymous: toSignIn,
        memberNoAccess: "404",
        memberWithAccess: "404",
        uploader: "404",
        admin: "200",
        disabled: toSignIn,
      },
      (a) => landing(a, url),
    );
  }
  check(
    "GET /admin (the admin lands on the users page)",
    {
      anonymous: toSignIn,
      memberNoAccess: "404",
      memberWithAccess: "404",
      uploader: "404",
      admin: "307 → /admin/users",
      disabled: toSignIn,
    },
    (a) => landing(a, "/admin"),
  );
  check(
    "GET /settings/tokens",
    {
      anonymous: toSignIn,
      memberNoAccess: "200",
      memberWithAccess: "200",
      uploader: "200",
      admin: "200",
      disabled: toSignIn,
    },
    (a) => landing(a, "/settings/tokens"),
  );
  check(
    "GET /settings",
    {
      anonymous: toSignIn,
      memberNoAccess: "307 → /settings/tokens",
      memberWithAccess: "307 → /settings/tokens",
      uploader: "307 → /settings/tokens",
      admin: "307 → /settings/tokens",
      disabled: toSignIn,
    },
    (a) => landing(a, "/settings"),
  );
});
