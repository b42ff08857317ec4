/**
 * The world the authorization tests (tests/authorization-*.test.ts) judge:
 * one Ferry server, one actor per role (anonymous, member without access,
 * member with access, uploader, admin, disabled user), an own app (granted to
 * the actors' group) and a foreign app (restricted, granted to nobody); the own
 * app also has a build only in channel "insiders", restricted to a group no
 * actor is in (only admins see it).
 *
 * Each test file is its own process: calling `setUpWorld()` at its top level
 * starts its own server and fills `world`, `actors` and `apps` before its tests.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { testDeviceIdentityCa } from "./device-identity";
import { createToken, type FerryServer, startFerry } from "./ferry-server";
import { generateIpa } from "./generate-ipa";
import { passwordSession } from "./session";
import { queryDatabase } from "./test-database";

export type Role = "anonymous" | "memberNoAccess" | "memberWithAccess" | "uploader" | "admin" | "disabled";
export const ROLES: Role[] = ["anonymous", "memberNoAccess", "memberWithAccess", "uploader", "admin", "disabled"];

export type Actor = { role: Role; email: string; id: string; cookie: string; token: string };
/** The role of each actor's account ("anonymous" has an account too, but never signs in). */
export const ACCOUNT_ROLE: Record<Role, "member" | "uploader" | "admin"> = {
  anonymous: "member",
  memberNoAccess: "member",
  memberWithAccess: "member",
  uploader: "uploader",
  admin: "admin",
  disabled: "member",
};

type AppRef = { appId: string; buildId: string; bundleId: string };

/** Filled by `setUpWorld()`'s `before` hook. */
export const world = {} as {
  server: FerryServer;
  scratch: string;
  /** The group the own app is granted to (memberWithAccess, uploader and disabled are in it). */
  teamId: string;
  /** The group (no members) channel "insiders" of the own app is restricted to. */
  insidersId: string;
};
export const actors = {} as Record<Role, Actor>;
export const apps = {} as Record<"own" | "foreign" | "restricted", AppRef>;
export const own = (): AppRef => apps.own;
export const foreign = (): AppRef => apps.foreign;
/** A build of the own app only in its restricted channel "insiders". */
export const restricted = (): AppRef => apps.restricted;
export const RESTRICTED_CHANNEL = "insiders";

export async function sql<T extends Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
  return queryDatabase<T>(world.server.databaseUrl, text, params);
}

/** A session cookie for a password account; fails the test when the sign-in is refused. */
export async function signIn(email: string, password: string): Promise<string> {
  const session = await passwordSession(world.server.baseUrl, email, password);
  assert.ok(session, `sign-in as ${email}`);
  return session;
}

let counter = 0;
/** A small new .ipa of `bundleId` (a new build number each time). */
export async function ipaFor(bundleId: string): Promise<string> {
  counter += 1;
  const file = path.join(world.scratch, `b${counter}.ipa`);
  await generateIpa(file, { bundleId, version: "1.0", buildNumber: String(counter), name: "Matrix", padBytes: 256 });
  return file;
}

export async function uploadAs(
  token: string | null,
  file: string,
  extraHeaders: Record<string, string> = {},
  channel?: string,
) {
  const form = new FormData();
  form.append("file", await fs.openAsBlob(file), "m.ipa");
  const query = channel ? `?channel=${encodeURIComponent(channel)}` : "";
  const res = await fetch(`${world.server.baseUrl}/api/v1/builds${query}`, {
    method: "POST",
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...extraHeaders },
    body: form,
  });
  const json = (await res.json()) as { build?: { id: string; appId: string } };
  return { status: res.status, json };
}

export function setUpWorld(): void {
  before(async () => {
    // Device posts in the matrix are signed by identities under this test root.
    // No job worker: re-sign requests in the matrix stay queued and change nothing else.
    const server = await startFerry({
      env: { CODESIGN_EXTRA_ROOTS: testDeviceIdentityCa().root.pem, JOB_WORKER: "false" },
    });
    world.server = server;
    world.scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-matrix-"));
    const adminToken = await createToken(server);
    for (const [key, bundleId] of [
      ["own", "com.example.own"],
      ["foreign", "com.example.foreign"],
    ] as const) {
      const { json } = await uploadAs(adminToken, await ipaFor(bundleId));
      apps[key] = { appId: json.build!.appId, buildId: json.build!.id, bundleId };
    }
    // One account per role, set up concurrently (each CLI call is its own process).
    const setUp = ROLES.map(async (role) => {
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
          ACCOUNT_ROLE[role],
        ]);
        assert.equal(created.code, 0, created.stderr);
      }
      const [row] = await sql<{ id: string }>("SELECT id FROM users WHERE email = $1", [email]);
      const cookie = role === "anonymous" ? "" : await signIn(email, password);
      const token = role === "anonymous" ? "" : await createToken(server, email);
      actors[role] = { role, email, id: row!.id, cookie, token };
    });
    await Promise.all(setUp);
    // The own app is granted to a group holding the member with access, the uploader and the (soon disabled) user.
    const [group] = await sql<{ id: string }>(
      "INSERT INTO groups (id, name) VALUES (gen_random_uuid(), 'Team') RETURNING id",
    );
    world.teamId = group!.id;
    for (const role of ["memberWithAccess", "uploader", "disabled"] as const) {
      await sql("INSERT INTO group_members (group_id, user_id) VALUES ($1, $2)", [world.teamId, actors[role].id]);
    }
    await sql("INSERT INTO app_groups (app_id, group_id) VALUES ($1, $2)", [apps.own.appId, world.teamId]);
    // A build of the own app only in channel "insiders", restricted to a group none of the actors is in.
    const inChannel = await uploadAs(adminToken, await ipaFor(apps.own.bundleId), {}, RESTRICTED_CHANNEL);
    assert.equal(inChannel.status, 201);
    assert.equal(inChannel.json.build!.appId, apps.own.appId);
    apps.restricted = { appId: apps.own.appId, buildId: inChannel.json.build!.id, bundleId: apps.own.bundleId };
    const [insiders] = await sql<{ id: string }>(
      "INSERT INTO groups (id, name) VALUES (gen_random_uuid(), 'Insiders') RETURNING id",
    );
    world.insidersId = insiders!.id;
    await sql("UPDATE channels SET restricted = true WHERE app_id = $1 AND name = $2", [
      apps.own.appId,
      RESTRICTED_CHANNEL,
    ]);
    await sql(
      "INSERT INTO channel_groups (channel_id, group_id) SELECT id, $3 FROM channels WHERE app_id = $1 AND name = $2",
      [apps.own.appId, RESTRICTED_CHANNEL, world.insidersId],
    );
    // Disabled after signing in and creating a token: both must stop working.
    const disabled = await server.cli(["user", "disable", "--email", actors.disabled.email]);
    assert.equal(disabled.code, 0, disabled.stderr);
  });

  after(async () => {
    await world.server?.stop();
    if (world.scratch) fs.rmSync(world.scratch, { recursive: true, force: true });
  });
}

export const signInRedirect = 307;

/** A page's status as `actor` (cookie session); a redirect must go to the sign-in page. */
export async function page(actor: Actor, url: string): Promise<number> {
  const res = await fetch(`${world.server.baseUrl}${url}`, {
    headers: actor.cookie ? { cookie: actor.cookie } : {},
    redirect: "manual",
  });
  if (res.status === 307) assert.match(res.headers.get("location") ?? "", /\/sign-in/, url);
  return res.status;
}

/** An API route's status as `actor` (bearer token). */
export async function api(actor: Actor, url: string): Promise<number> {
  const res = await fetch(`${world.server.baseUrl}${url}`, {
    headers: actor.token ? { authorization: `Bearer ${actor.token}` } : {},
  });
  return res.status;
}

/** One test: `run` as every role, compared with `expected` as a whole row (all roles show on failure). */
export function check<T>(name: string, expected: Record<Role, T>, run: (actor: Actor) => Promise<T>): void {
  test(name, async () => {
    const actual = {} as Record<Role, T>;
    for (const role of ROLES) actual[role] = await run(actors[role]);
    assert.deepEqual(actual, expected);
  });
}
