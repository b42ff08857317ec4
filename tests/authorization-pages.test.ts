/**
 * Who may open which page: every role (tests/helpers/authorization-world.ts)
 * against its own app, a foreign app and cross-app ids, and the admin and
 * settings pages (a refused page must not show anyone else's data).
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, test } from "node:test";
import { RENDERED_TWICE } from "@/lib/boot/pages-renderer";
import {
  type Actor,
  actors,
  check,
  foreign,
  own,
  page,
  RESTRICTED_CHANNEL,
  ROLES,
  type Role,
  restricted,
  setUpWorld,
  signInRedirect,
  sql,
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
    "GET /apps/<own>/builds/<build only in a restricted channel>",
    { anonymous: 307, memberNoAccess: 404, memberWithAccess: 404, uploader: 404, admin: 200, disabled: 307 },
    (a) => page(a, `/apps/${own().appId}/builds/${restricted().buildId}`),
  );
  check(
    "GET /apps/<own>/channels/default",
    { anonymous: 307, memberNoAccess: 404, memberWithAccess: 200, uploader: 200, admin: 200, disabled: 307 },
    (a) => page(a, `/apps/${own().appId}/channels/default`),
  );
  check(
    "GET /apps/<foreign>/channels/default",
    { anonymous: 307, memberNoAccess: 404, memberWithAccess: 404, uploader: 404, admin: 200, disabled: 307 },
    (a) => page(a, `/apps/${foreign().appId}/channels/default`),
  );
  check(
    "GET /apps/<own>/channels/<restricted channel> (restricted to a group none of them is in)",
    { anonymous: 307, memberNoAccess: 404, memberWithAccess: 404, uploader: 404, admin: 200, disabled: 307 },
    (a) => page(a, `/apps/${own().appId}/channels/${RESTRICTED_CHANNEL}`),
  );
  check(
    "GET /apps/<own>/channels/<unknown channel>",
    { anonymous: 307, memberNoAccess: 404, memberWithAccess: 404, uploader: 404, admin: 404, disabled: 307 },
    (a) => page(a, `/apps/${own().appId}/channels/no-such-channel`),
  );

  // Managing channels and deleting a build: only those who may publish to the app; everyone else a 404.
  check(
    "GET /apps/<own>/channels (manage channels)",
    { anonymous: 307, memberNoAccess: 404, memberWithAccess: 404, uploader: 200, admin: 200, disabled: 307 },
    (a) => page(a, `/apps/${own().appId}/channels`),
  );
  check(
    "GET /apps/<foreign>/channels (manage channels)",
    { anonymous: 307, memberNoAccess: 404, memberWithAccess: 404, uploader: 404, admin: 200, disabled: 307 },
    (a) => page(a, `/apps/${foreign().appId}/channels`),
  );
  check(
    "GET /apps/<own>/builds/<own build>/delete",
    { anonymous: 307, memberNoAccess: 404, memberWithAccess: 404, uploader: 200, admin: 200, disabled: 307 },
    (a) => page(a, `/apps/${own().appId}/builds/${own().buildId}/delete`),
  );
  check(
    "GET /apps/<foreign>/builds/<foreign build>/delete",
    { anonymous: 307, memberNoAccess: 404, memberWithAccess: 404, uploader: 404, admin: 200, disabled: 307 },
    (a) => page(a, `/apps/${foreign().appId}/builds/${foreign().buildId}/delete`),
  );

  check(
    "GET /upload",
    { anonymous: 307, memberNoAccess: 404, memberWithAccess: 404, uploader: 200, admin: 200, disabled: 307 },
    (a) => page(a, "/upload"),
  );

  // The build pages' icons: cookie-authorized route handlers (signed out is an API-style 401, not a redirect).
  for (const size of [64, 128]) {
    check(
      `GET /apps/<own>/builds/<own build>/icon-${size}.png`,
      { anonymous: 401, memberNoAccess: 404, memberWithAccess: 200, uploader: 200, admin: 200, disabled: 401 },
      (a) => page(a, `/apps/${own().appId}/builds/${own().buildId}/icon-${size}.png`),
    );
    check(
      `GET /apps/<foreign>/builds/<foreign build>/icon-${size}.png`,
      { anonymous: 401, memberNoAccess: 404, memberWithAccess: 404, uploader: 404, admin: 200, disabled: 401 },
      (a) => page(a, `/apps/${foreign().appId}/builds/${foreign().buildId}/icon-${size}.png`),
    );
    check(
      `GET /apps/<own>/builds/<foreign build>/icon-${size}.png (cross-app id)`,
      { anonymous: 401, memberNoAccess: 404, memberWithAccess: 404, uploader: 404, admin: 404, disabled: 401 },
      (a) => page(a, `/apps/${own().appId}/builds/${foreign().buildId}/icon-${size}.png`),
    );
    check(
      `GET /apps/<own>/builds/<unknown build>/icon-${size}.png`,
      { anonymous: 401, memberNoAccess: 404, memberWithAccess: 404, uploader: 404, admin: 404, disabled: 401 },
      (a) => page(a, `/apps/${own().appId}/builds/00000000-0000-4000-8000-000000000000/icon-${size}.png`),
    );
  }

  /**
   * The stable install routes (session): where the redirect goes ("itms-services"
   * or a path), and for itms-services whether the minted manifest link serves
   * this actor (it must be their own working link).
   */
  async function installRoute(actor: Actor, url: string): Promise<string> {
    const res = await fetch(`${world.server.baseUrl}${url}`, {
      headers: actor.cookie ? { cookie: actor.cookie } : {},
      redirect: "manual",
    });
    await res.arrayBuffer();
    const location = res.headers.get("location") ?? "";
    if (location.startsWith("itms-services:")) {
      const manifestUrl = new URL(location).searchParams.get("url") ?? "";
      const manifest = await fetch(manifestUrl);
      await manifest.arrayBuffer();
      return `${res.status} → itms-services, manifest ${manifest.status}`;
    }
    return location ? `${res.status} → ${new URL(location, world.server.baseUrl).pathname}` : String(res.status);
  }
  const installTo = (fallback: string) => ({
    anonymous: "303 → /sign-in",
    memberNoAccess: `303 → ${fallback}`,
    memberWithAccess: "303 → itms-services, manifest 200",
    uploader: "303 → itms-services, manifest 200",
    admin: "303 → itms-services, manifest 200",
    disabled: "303 → /sign-in",
  });
  check("GET /apps/<own>/channels/default/install", installTo(`/apps/<own>/channels/default`), async (a) =>
    (await installRoute(a, `/apps/${own().appId}/channels/default/install`)).replace(own().appId, "<own>"),
  );
  check(
    "GET /apps/<foreign>/channels/default/install",
    {
      ...installTo("/apps/<foreign>/channels/default"),
      memberWithAccess: "303 → /apps/<foreign>/channels/default",
      uploader: "303 → /apps/<foreign>/channels/default",
    },
    async (a) =>
      (await installRoute(a, `/apps/${foreign().appId}/channels/default/install`)).replace(
        foreign().appId,
        "<foreign>",
      ),
  );
  check(
    "GET /apps/<own>/channels/<restricted channel>/install",
    {
      ...installTo(`/apps/<own>/channels/${RESTRICTED_CHANNEL}`),
      memberWithAccess: `303 → /apps/<own>/channels/${RESTRICTED_CHANNEL}`,
      uploader: `303 → /apps/<own>/channels/${RESTRICTED_CHANNEL}`,
    },
    async (a) =>
      (await installRoute(a, `/apps/${own().appId}/channels/${RESTRICTED_CHANNEL}/install`)).replace(
        own().appId,
        "<own>",
      ),
  );
  check("GET /apps/<own>/builds/<own build>/install", installTo("/apps/<own>/builds/<build>"), async (a) =>
    (await installRoute(a, `/apps/${own().appId}/builds/${own().buildId}/install`))
      .replace(own().appId, "<own>")
      .replace(own().buildId, "<build>"),
  );
  check(
    "GET /apps/<own>/builds/<build only in a restricted channel>/install",
    {
      ...installTo("/apps/<own>/builds/<build>"),
      memberWithAccess: "303 → /apps/<own>/builds/<build>",
      uploader: "303 → /apps/<own>/builds/<build>",
    },
    async (a) =>
      (await installRoute(a, `/apps/${own().appId}/builds/${restricted().buildId}/install`))
        .replace(own().appId, "<own>")
        .replace(restricted().buildId, "<build>"),
  );
  check(
    "GET /apps/<own>/builds/<foreign build>/install (cross-app id)",
    {
      ...installTo("/apps/<own>/builds/<build>"),
      memberWithAccess: "303 → /apps/<own>/builds/<build>",
      uploader: "303 → /apps/<own>/builds/<build>",
      admin: "303 → /apps/<own>/builds/<build>",
    },
    async (a) =>
      (await installRoute(a, `/apps/${own().appId}/builds/${foreign().buildId}/install`))
        .replace(own().appId, "<own>")
        .replace(foreign().buildId, "<build>"),
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

  for (const url of [
    "/admin/users",
    "/admin/groups",
    "/admin/apps",
    "/admin/audit",
    "/admin/jobs",
    "/admin/settings",
    "/admin/signing",
  ]) {
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
  // An app's webhooks page follows the other admin pages (any app for admins; an unknown app is a 404).
  for (const [label, appId] of [
    ["<own>", () => own().appId],
    ["<foreign>", () => foreign().appId],
    ["<unknown>", () => "00000000-0000-4000-8000-000000000000"],
  ] as const) {
    check(
      `GET /admin/apps/${label}/webhooks`,
      {
        anonymous: toSignIn,
        memberNoAccess: "404",
        memberWithAccess: "404",
        uploader: "404",
        admin: label === "<unknown>" ? "404" : "200",
        disabled: toSignIn,
      },
      (a) => landing(a, `/admin/apps/${appId()}/webhooks`),
    );
  }
  // A group's members page follows the other admin pages (any group for admins, members or none; an unknown or
  // malformed id is a 404): the team holds three of the actors, the insiders group none of them.
  for (const [label, groupId] of [
    ["<team>", () => world.teamId],
    ["<insiders>", () => world.insidersId],
    ["<unknown>", () => "00000000-0000-4000-8000-000000000000"],
    ["<malformed>", () => "no-such-group"],
  ] as const) {
    const known = label === "<team>" || label === "<insiders>";
    check(
      `GET /admin/groups/${label}`,
      {
        anonymous: toSignIn,
        memberNoAccess: "404",
        memberWithAccess: "404",
        uploader: "404",
        admin: known ? "200" : "404",
        disabled: toSignIn,
      },
      (a) => landing(a, `/admin/groups/${groupId()}`),
    );
  }
  test("a group's members page lists its members to the admin", async () => {
    const html = await (
      await fetch(`${world.server.baseUrl}/admin/groups/${world.teamId}`, { headers: { cookie: actors.admin.cookie } })
    ).text();
    for (const role of ["memberWithAccess", "uploader", "disabled"] as const) {
      assert.ok(html.includes(actors[role].email), `${role} is in the team`);
    }
    assert.ok(!html.includes(actors.memberNoAccess.email), "memberNoAccess is not");
  });
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
    "GET /settings/notifications",
    {
      anonymous: toSignIn,
      memberNoAccess: "200",
      memberWithAccess: "200",
      uploader: "200",
      admin: "200",
      disabled: toSignIn,
    },
    (a) => landing(a, "/settings/notifications"),
  );
  check(
    "GET /apps/<own>/update-keys (admins and the app's uploaders)",
    { anonymous: signInRedirect, memberNoAccess: 404, memberWithAccess: 404, uploader: 200, admin: 200, disabled: 307 },
    (a) => page(a, `/apps/${own().appId}/update-keys`),
  );
  check(
    "GET /apps/<foreign>/update-keys",
    { anonymous: signInRedirect, memberNoAccess: 404, memberWithAccess: 404, uploader: 404, admin: 200, disabled: 307 },
    (a) => page(a, `/apps/${foreign().appId}/update-keys`),
  );
  check(
    "GET /unsubscribe (an email's link: no sign-in needed, a bad token says so)",
    Object.fromEntries(ROLES.map((r) => [r, 200])) as Record<Role, number>,
    (a) => page(a, "/unsubscribe?token=forged"),
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

describe("device registration pages", () => {
  check(
    "GET /devices",
    { anonymous: 307, memberNoAccess: 200, memberWithAccess: 200, uploader: 200, admin: 200, disabled: 307 },
    (a) => page(a, "/devices"),
  );

  const challenges = async (userId: string) =>
    (await sql<{ n: number }>("SELECT count(*)::int AS n FROM device_enrollments WHERE user_id = $1", [userId]))[0]!.n;
  check(
    "GET /devices/enroll (the enrollment profile; a challenge for the signed-in user only)",
    {
      anonymous: "303 → /sign-in, no challenge",
      memberNoAccess: "200, 1 challenge",
      memberWithAccess: "200, 1 challenge",
      uploader: "200, 1 challenge",
      admin: "200, 1 challenge",
      disabled: "303 → /sign-in, no challenge",
    },
    async (a) => {
      const before = await challenges(a.id);
      const all = (await sql<{ n: number }>("SELECT count(*)::int AS n FROM device_enrollments"))[0]!.n;
      const res = await fetch(`${world.server.baseUrl}/devices/enroll`, {
        headers: a.cookie ? { cookie: a.cookie } : {},
        redirect: "manual",
      });
      await res.arrayBuffer();
      const issued = (await challenges(a.id)) - before;
      const allIssued = (await sql<{ n: number }>("SELECT count(*)::int AS n FROM device_enrollments"))[0]!.n - all;
      assert.equal(allIssued, issued, `${a.role}: a challenge was issued to someone else`);
      const location = res.headers.get("location");
      const status = location ? `${res.status} → ${new URL(location, world.server.baseUrl).pathname}` : `${res.status}`;
      return `${status}, ${issued === 0 ? "no challenge" : `${issued} challenge`}`;
    },
  );

  /** What iOS's redirect after registration does for `actor`: where it goes, and whether it sets the device cookie. */
  async function thisDevice(actor: Actor, d: string): Promise<string> {
    const res = await fetch(`${world.server.baseUrl}/devices/this-device?d=${encodeURIComponent(d)}`, {
      headers: actor.cookie ? { cookie: actor.cookie } : {},
      redirect: "manual",
    });
    const location = new URL(res.headers.get("location") ?? "/", world.server.baseUrl);
    const cookie = /(^|,\s*)ferry-device=/.test(res.headers.get("set-cookie") ?? "") ? "cookie" : "no cookie";
    return `${res.status} → ${location.pathname}?${location.searchParams}, ${cookie}`;
  }
  const deviceId = "6d1c3f0e-3f47-4d59-9e3a-5a8f7d1c0b2a";
  const mac = (secret: string) => createHmac("sha256", secret).update(`ferry-device:${deviceId}`).digest("base64url");
  const everyone = (value: string): Record<Role, string> =>
    Object.fromEntries(ROLES.map((r) => [r, value])) as Record<Role, string>;
  check(
    "GET /devices/this-device?d=<signed by this server> (anyone: the browser remembers the device)",
    everyone(`303 → /devices?registered=${deviceId}, cookie`),
    (a) => thisDevice(a, `${deviceId}.${mac(world.server.authSecret)}`),
  );
  check(
    "GET /devices/this-device?d=<signed with another secret> (no cookie)",
    everyone("303 → /devices?registered=unknown, no cookie"),
    (a) => thisDevice(a, `${deviceId}.${mac("not-this-servers-secret-at-all-0123456789")}`),
  );
  check(
    "GET /devices/this-device?d=<unsigned id> (no cookie)",
    everyone("303 → /devices?registered=unknown, no cookie"),
    (a) => thisDevice(a, deviceId),
  );
});

// Last: the pages above include every page without the React runtime, for every role.
test("each page without the React runtime was rendered once, to a string (lib/boot/pages-renderer.ts)", () => {
  assert.ok(world.server.output().includes("Ferry is listening"), "the server's own output is read");
  assert.ok(!world.server.output().includes(RENDERED_TWICE), RENDERED_TWICE);
});
