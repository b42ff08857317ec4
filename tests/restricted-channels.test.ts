/**
 * Restricted channels against an uploader of the app who is not in the
 * channel's groups, over real HTTP: re-sending a hidden build's bytes answers
 * only what they may see, and they cannot add builds to the channel (by
 * promotion or upload) until an admin puts them in one of its groups.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { createToken, createUser, type FerryServer, startFerry } from "./helpers/ferry-server";
import { generateIpa } from "./helpers/generate-ipa";
import { queryDatabase } from "./helpers/test-database";

type BuildJson = {
  id: string;
  appId: string;
  notes: string | null;
  channels: string[];
  uploadedBy: string | null;
};
type Answer = {
  status: number;
  text: string;
  body: {
    build?: BuildJson;
    duplicate?: { notesIgnored: boolean; addedToChannel: string | null; message: string };
    error?: { code: string; message: string };
  };
};

const BUNDLE = "com.example.restricted";
const UPLOADER = { email: "publisher@example.com", password: "publisher-password-1" };
const SECRET_NOTES = "Codename Nightjar ships to the board";

let server: FerryServer;
let tmp: string;
let adminToken: string;
let uploaderToken: string;
let appId: string;
let insidersId: string;

async function ipa(buildNumber: string): Promise<Buffer> {
  const file = path.join(tmp, `${buildNumber}.ipa`);
  await generateIpa(file, { bundleId: BUNDLE, version: "1.0", buildNumber, name: "Restricted", padBytes: 512 });
  return fs.readFileSync(file);
}

async function upload(token: string, bytes: Buffer, query = ""): Promise<Answer> {
  const res = await fetch(`${server.baseUrl}/api/v1/builds${query}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
    body: new Uint8Array(bytes),
  });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as Answer["body"] };
}

async function promote(token: string, buildId: string, channel: string): Promise<Answer> {
  const res = await fetch(`${server.baseUrl}/api/v1/builds/${buildId}/channels`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ channel }),
  });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as Answer["body"] };
}

async function channelsOf(buildId: string): Promise<string[]> {
  const rows = await queryDatabase<{ name: string }>(
    server.databaseUrl,
    "SELECT c.name FROM build_channels bc JOIN channels c ON c.id = bc.channel_id WHERE bc.build_id = $1 ORDER BY c.name",
    [buildId],
  );
  return rows.map((r) => r.name);
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-restricted-"));
  server = await startFerry();
  adminToken = await createToken(server);
  await createUser(server, { ...UPLOADER, role: "uploader" });
  uploaderToken = await createToken(server, UPLOADER.email, ["--scopes", "read,upload"]);

  // The admin creates the app with a build in "secret", then grants the app to
  // the uploader's group and restricts "secret" to a group the uploader is not in.
  const first = await upload(adminToken, await ipa("1"), `?channel=secret&notes=${encodeURIComponent(SECRET_NOTES)}`);
  assert.equal(first.status, 201, first.text);
  appId = first.body.build?.appId ?? "";
  const [publishers] = await queryDatabase<{ id: string }>(
    server.databaseUrl,
    "INSERT INTO groups (id, name) VALUES (gen_random_uuid(), 'Publishers') RETURNING id",
  );
  const [insiders] = await queryDatabase<{ id: string }>(
    server.databaseUrl,
    "INSERT INTO groups (id, name) VALUES (gen_random_uuid(), 'Insiders') RETURNING id",
  );
  insidersId = insiders?.id ?? "";
  await queryDatabase(
    server.databaseUrl,
    "INSERT INTO group_members (group_id, user_id) SELECT $1, id FROM users WHERE email = $2",
    [publishers?.id, UPLOADER.email],
  );
  await queryDatabase(server.databaseUrl, "INSERT INTO app_groups (app_id, group_id) VALUES ($1, $2)", [
    appId,
    publishers?.id,
  ]);
  await queryDatabase(
    server.databaseUrl,
    "UPDATE channels SET restricted = true WHERE app_id = $1 AND name = 'secret'",
    [appId],
  );
  await queryDatabase(
    server.databaseUrl,
    "INSERT INTO channel_groups (channel_id, group_id) SELECT id, $2 FROM channels WHERE app_id = $1 AND name = 'secret'",
    [appId, insidersId],
  );
});
after(async () => {
  await server?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe("a restricted channel and an uploader outside its groups", () => {
  test("re-sending a hidden build's bytes answers without its notes, channels or uploader", async () => {
    const [hidden] = await queryDatabase<{ id: string }>(server.databaseUrl, "SELECT id FROM builds");
    for (const query of ["", "?channel=beta", `?notes=${encodeURIComponent(SECRET_NOTES)}`, "?notes=guess"]) {
      const again = await upload(uploaderToken, await ipa("1"), query);
      assert.equal(again.status, 200, again.text);
      assert.equal(again.body.build?.id, hidden?.id);
      assert.equal(again.body.build?.notes, null);
      assert.deepEqual(again.body.build?.channels, []);
      assert.equal(again.body.build?.uploadedBy, null);
      for (const secret of ["Nightjar", "secret", server.admin.email]) {
        assert.ok(!again.text.includes(secret), `${query}: the answer mentions ${secret}`);
      }
      // Sending the right notes and a wrong guess get the same answer: nothing to test guesses against.
      assert.equal(again.body.duplicate?.notesIgnored, query.includes("notes"));
      assert.equal(again.body.duplicate?.addedToChannel, null);
      assert.match(again.body.duplicate?.message ?? "", /channels you cannot see/);
    }
    assert.deepEqual(await channelsOf(hidden?.id ?? ""), ["secret"]);
  });

  test("they may not promote into it nor upload to it; a new channel and the default one are fine", async () => {
    const beta = await upload(uploaderToken, await ipa("2"), "?channel=beta");
    assert.equal(beta.status, 201, beta.text);
    const buildId = beta.body.build?.id ?? "";

    const refused = await promote(uploaderToken, buildId, "secret");
    assert.equal(refused.status, 403, refused.text);
    assert.equal(refused.body.error?.code, "forbidden");
    assert.match(refused.body.error?.message ?? "", /restricted to groups you are not in/);
    assert.deepEqual(await channelsOf(buildId), ["beta"]);

    // Re-sending a build they see, naming the channel, is the same promotion: refused too.
    const viaDuplicate = await upload(uploaderToken, await ipa("2"), "?channel=secret");
    assert.equal(viaDuplicate.status, 403, viaDuplicate.text);
    assert.deepEqual(await channelsOf(buildId), ["beta"]);

    // A new build straight into it: refused, nothing stored.
    const [before] = await queryDatabase<{ n: string }>(server.databaseUrl, "SELECT count(*) AS n FROM builds");
    const direct = await upload(uploaderToken, await ipa("3"), "?channel=secret");
    assert.equal(direct.status, 403, direct.text);
    const [afterCount] = await queryDatabase<{ n: string }>(server.databaseUrl, "SELECT count(*) AS n FROM builds");
    assert.equal(afterCount?.n, before?.n);

    assert.equal((await promote(uploaderToken, buildId, "gamma")).status, 201);
    assert.equal((await upload(uploaderToken, await ipa("4"))).status, 201);
    // Admins promote anywhere.
    assert.equal((await promote(adminToken, buildId, "secret")).status, 201);
    assert.deepEqual(await channelsOf(buildId), ["beta", "gamma", "secret"]);
  });

  test("once in one of the channel's groups, the uploader promotes into it", async () => {
    await queryDatabase(
      server.databaseUrl,
      "INSERT INTO group_members (group_id, user_id) SELECT $1, id FROM users WHERE email = $2",
      [insidersId, UPLOADER.email],
    );
    const build = await upload(uploaderToken, await ipa("5"), "?channel=beta");
    assert.equal(build.status, 201, build.text);
    const promoted = await promote(uploaderToken, build.body.build?.id ?? "", "secret");
    assert.equal(promoted.status, 201, promoted.text);
    assert.deepEqual(promoted.body.build?.channels, ["beta", "secret"]);
    // And the build they could not see before is now theirs to see, notes included.
    const again = await upload(uploaderToken, await ipa("1"));
    assert.equal(again.body.build?.notes, SECRET_NOTES);
    assert.deepEqual(again.body.build?.channels, ["secret"]);
  });
});
