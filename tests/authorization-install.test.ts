/**
 * Install routes (/d/<token>/…, used by iOS's install daemon without cookies):
 * a token is honoured only for a user who may still install the build; every
 * role (tests/helpers/authorization-world.ts) against its own and a foreign build.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { signInstallToken } from "@/lib/install-links/install-token";
import {
  type Actor,
  actors,
  check,
  foreign,
  own,
  restricted,
  setUpWorld,
  sql,
  world,
} from "./helpers/authorization-world";

setUpWorld();

describe("install links", () => {
  const later = () => new Date(Date.now() + 3_600_000);
  /** `GET|HEAD /d/<token>/<file>` with a token minted for `actor` (anonymous: no valid token). */
  async function install(actor: Actor, buildId: string, file: string, method = "GET"): Promise<number> {
    const send = async (token: string) => {
      const res = await fetch(`${world.server.baseUrl}/d/${token}/${file}`, { method });
      await res.arrayBuffer();
      return res.status;
    };
    if (actor.role === "anonymous") return send("not-a-token");
    // Minted with the user's current version: only their state and access decide.
    const [user] = await sql<{ session_version: number }>("SELECT session_version FROM users WHERE id = $1", [
      actor.id,
    ]);
    const token = signInstallToken(
      { buildId, userId: actor.id, userVersion: user?.session_version ?? 0, expiresAt: later() },
      world.server.authSecret,
    );
    return send(token);
  }
  const manifest = (actor: Actor, buildId: string) => install(actor, buildId, "manifest.plist");
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
  check(
    "manifest of a build only in a restricted channel (a group none of them is in)",
    { anonymous: 404, memberNoAccess: 404, memberWithAccess: 404, uploader: 404, admin: 200, disabled: 403 },
    (a) => manifest(a, restricted().buildId),
  );
  check(
    "app.ipa of a build only in a restricted channel (HEAD)",
    { anonymous: 404, memberNoAccess: 404, memberWithAccess: 404, uploader: 404, admin: 200, disabled: 403 },
    (a) => install(a, restricted().buildId, "app.ipa", "HEAD"),
  );

  // The manifest's icons follow the manifest's rule, for GET and for HEAD (the same handler).
  for (const method of ["GET", "HEAD"]) {
    for (const file of ["icon-57.png", "icon-512.png"]) {
      check(
        `${method} ${file} of the own build`,
        { anonymous: 404, memberNoAccess: 404, memberWithAccess: 200, uploader: 200, admin: 200, disabled: 403 },
        (a) => install(a, own().buildId, file, method),
      );
      check(
        `${method} ${file} of the foreign build`,
        { anonymous: 404, memberNoAccess: 404, memberWithAccess: 404, uploader: 404, admin: 200, disabled: 403 },
        (a) => install(a, foreign().buildId, file, method),
      );
    }
  }

  test("links are minted only for users who may install the build", async () => {
    const res = await fetch(`${world.server.baseUrl}/api/v1/apps/${foreign().appId}/builds`, {
      headers: { authorization: `Bearer ${actors.memberWithAccess.token}` },
    });
    assert.equal(res.status, 404);
    const html = await (
      await fetch(`${world.server.baseUrl}/apps/${foreign().appId}`, {
        headers: { cookie: actors.memberWithAccess.cookie },
      })
    ).text();
    assert.ok(!html.includes("itms-services://"));
    // The own app's page leaves out the build that is only in a channel the member cannot see; the admin's shows it.
    const ownPage = async (a: Actor) =>
      (await fetch(`${world.server.baseUrl}/apps/${own().appId}`, { headers: { cookie: a.cookie } })).text();
    assert.ok((await ownPage(actors.memberWithAccess)).includes(own().buildId));
    assert.ok(!(await ownPage(actors.memberWithAccess)).includes(restricted().buildId));
    assert.ok((await ownPage(actors.admin)).includes(restricted().buildId));
  });
});
