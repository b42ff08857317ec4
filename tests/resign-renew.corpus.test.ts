/**
 * Re-sign preview and "Renew N builds" over real HTTP, on a real Apple-signed
 * build with an extension (the fixture corpus) and identities made with
 * openssl under a test root (CODESIGN_EXTRA_ROOTS):
 * - the preview shows each bundle's entitlement changes for the new team, and
 *   a profile that lacks a grant as the error the re-sign itself fails with;
 *   it writes nothing (no job, build, audit row or temp file);
 * - the build's own embedded profile, added as a signing profile, counts the
 *   channels it heads (`renewableBuilds`); renewing it with a newer profile of
 *   the same team re-signs that build once into the channels it heads, and a
 *   channel whose newest build has another profile is left alone.
 */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { withZip } from "@/lib/analysis/ipa/zip-reader";
import { createToken, type FerryServer, startFerry } from "./helpers/ferry-server";
import { fixturePath } from "./helpers/fixtures";
import { generateIpa } from "./helpers/generate-ipa";
import { CODE_SIGNING, exportP12, issue, makeTestPki, RSA, TEST_TEAM_ID, type TestPki } from "./helpers/signing-pki";
import { createTestDatabase, queryDatabase } from "./helpers/test-database";
import { embeddedProfile, testProfile } from "./helpers/test-profile";

type Json = Record<string, unknown>;
const FIXTURE = "app_info--embedded.ipa";
/** The fixture's own team: a renewal keeps the team. */
const FIXTURE_TEAM = "72LA85G59H";
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-renew-http-"));
const dataDir = path.join(tmp, "data");
let pki: TestPki;
let database: { url: string; drop: () => Promise<void> };
let server: FerryServer;
let token = "";
let uploadToken = "";

async function call(
  method: string,
  url: string,
  body?: BodyInit,
  bearer = token,
): Promise<{ status: number; json: Json }> {
  const headers: Record<string, string> = { authorization: `Bearer ${bearer}` };
  if (typeof body === "string") headers["content-type"] = "application/json";
  else if (Buffer.isBuffer(body)) headers["content-type"] = "application/octet-stream";
  const res = await fetch(`${server.baseUrl}${url}`, { method, headers, body });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Json) : {} };
}
const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
  queryDatabase<T>(database.url, text, params);

async function until<T>(read: () => Promise<T | null>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`not done in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
const finished = (jobId: string) =>
  until(async () => {
    const job = (await call("GET", `/api/v1/jobs/${jobId}`)).json.job as Json;
    return job.status === "succeeded" || job.status === "failed" ? job : null;
  }, 180_000);

async function addIdentity(leaf: { cert: string; key: string }, name: string): Promise<string> {
  const form = new FormData();
  form.append("file", new Blob([fs.readFileSync(exportP12(pki, leaf, name, "pw"))]));
  form.append("password", "pw");
  const res = await call("POST", "/api/v1/signing/identities", form);
  assert.equal(res.status, 201, JSON.stringify(res.json));
  return String((res.json.identity as Json).id);
}
async function addProfile(data: Buffer | string): Promise<Json> {
  const res = await call("POST", "/api/v1/signing/profiles", Buffer.from(data));
  assert.equal(res.status, 201, JSON.stringify(res.json));
  return res.json.profile as Json;
}
const der = (pem: string) => Buffer.from(new X509Certificate(fs.readFileSync(pem)).raw);
const counts = async () =>
  JSON.stringify(
    await sql(
      "SELECT (SELECT count(*) FROM jobs) AS jobs, (SELECT count(*) FROM builds) AS builds, (SELECT count(*) FROM audit_events) AS audit",
    ),
  );

let original: { id: string; appId: string };
let fixtureProfile: Buffer;

before(async () => {
  pki = makeTestPki(path.join(tmp, "pki"));
  fs.mkdirSync(dataDir);
  database = await createTestDatabase();
  server = await startFerry({
    databaseUrl: database.url,
    dataDir,
    env: { AUTH_SECRET: "renew-test-auth-secret-0123456789-abcdefghij", CODESIGN_EXTRA_ROOTS: pki.root },
  });
  token = await createToken(server, server.admin.email, ["--scopes", "upload,read,sign"]);
  uploadToken = await createToken(server, server.admin.email);
  fixtureProfile = await withZip(fixturePath("ipa", FIXTURE), (zip) =>
    zip.readEntry("Payload/Demo.app/embedded.mobileprovision", 1 << 20),
  );
});
after(async () => {
  await server?.stop();
  await database?.drop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("preview and renew through the API", () => {
  test("the fixture heads default and qa; beta's newest build embeds another profile", async () => {
    const up = await call("POST", "/api/v1/builds", fs.readFileSync(fixturePath("ipa", FIXTURE)), uploadToken);
    assert.equal(up.status, 201, JSON.stringify(up.json));
    original = up.json.build as { id: string; appId: string };
    for (const channel of ["qa", "beta"]) {
      const res = await call(
        "POST",
        `/api/v1/builds/${original.id}/channels`,
        JSON.stringify({ channel }),
        uploadToken,
      );
      assert.ok(res.status < 300, JSON.stringify(res.json));
    }
    const other = path.join(tmp, "other.ipa");
    await generateIpa(other, {
      bundleId: "com.icyleaf.test.Demo",
      version: "9.0",
      buildNumber: "900",
      name: "Demo",
      padBytes: 1024,
      extraFiles: [
        embeddedProfile("Demo", "com.icyleaf.test.Demo", {
          bundleId: "com.icyleaf.test.Demo",
          teamId: FIXTURE_TEAM,
          uuid: "99999999-9999-4999-8999-999999999999",
        }),
      ],
    });
    const newer = await call("POST", "/api/v1/builds?channel=beta", fs.readFileSync(other), uploadToken);
    assert.equal(newer.status, 201, JSON.stringify(newer.json));
  });

  let ferryIdentity = "";
  let wildcard: Json;
  test("preview: every bundle's entitlement changes for the new team; nothing written", async () => {
    ferryIdentity = await addIdentity(pki.rsa, "ferry");
    wildcard = await addProfile(
      testProfile({
        bundleId: "*",
        teamId: TEST_TEAM_ID,
        uuid: "33333333-3333-4333-8333-333333333333",
        name: "Ferry wildcard",
        certificates: [der(pki.rsa.cert)],
        entitlements: { "keychain-access-groups": [`${TEST_TEAM_ID}.*`] },
      }),
    );
    const before = await counts();
    const res = await call(
      "POST",
      `/api/v1/builds/${original.id}/resign/preview`,
      JSON.stringify({ identityId: ferryIdentity, profileId: wildcard.id }),
    );
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const preview = res.json.preview as {
      ok: boolean;
      teamId: string;
      bundles: {
        bundleId: string;
        path: string;
        profile: { id: string } | null;
        entitlements: { before: Json; after: Json | null };
        changes: { key: string; kind: string; from: unknown; to: unknown }[];
        error: { code: string } | null;
      }[];
    };
    assert.equal(preview.ok, true);
    assert.equal(preview.teamId, TEST_TEAM_ID);
    assert.deepEqual(
      preview.bundles.map((b) => [b.bundleId, b.path, b.profile?.id, b.error]),
      [
        ["com.icyleaf.test.Demo", "", wildcard.id, null],
        ["com.icyleaf.test.Demo.Notification", "PlugIns/Notification.appex/", wildcard.id, null],
      ],
    );
    const app = preview.bundles[0];
    assert.equal(app?.entitlements.before["application-identifier"], `${FIXTURE_TEAM}.com.icyleaf.test.Demo`);
    assert.equal(app?.entitlements.after?.["application-identifier"], `${TEST_TEAM_ID}.com.icyleaf.test.Demo`);
    assert.deepEqual(
      app?.changes.map((c) => [c.key, c.kind]),
      [
        ["application-identifier", "changed"],
        ["com.apple.developer.team-identifier", "changed"],
        ["keychain-access-groups", "changed"],
      ],
    );
    assert.equal(await counts(), before, "no job, build or audit row");
    assert.deepEqual(
      fs.readdirSync(path.join(dataDir, "tmp")).filter((n) => n.startsWith("preview-")),
      [],
    );
  });

  test("a profile that lacks a grant: the preview says which, with the code the re-sign fails with", async () => {
    const narrow = await addProfile(
      testProfile({
        bundleId: "*",
        teamId: TEST_TEAM_ID,
        uuid: "44444444-4444-4444-8444-444444444444",
        name: "Ferry no keychain",
        certificates: [der(pki.rsa.cert)],
        entitlements: { "keychain-access-groups": ["OTHERTEAM1.*"] },
      }),
    );
    const body = JSON.stringify({ identityId: ferryIdentity, profileId: narrow.id });
    const res = await call("POST", `/api/v1/builds/${original.id}/resign/preview`, body);
    assert.equal(res.status, 200);
    const preview = res.json.preview as { ok: boolean; bundles: { error: { code: string; message: string } | null }[] };
    assert.equal(preview.ok, false);
    assert.equal(preview.bundles[0]?.error?.code, "signing_profile_missing_entitlement");
    assert.match(preview.bundles[0]?.error?.message ?? "", /keychain-access-groups/);
    const queued = await call("POST", `/api/v1/builds/${original.id}/resign`, body);
    assert.equal(queued.status, 202);
    const job = await finished(String((queued.json.job as Json).id));
    assert.equal(job.status, "failed");
    assert.deepEqual(job.error, preview.bundles[0]?.error);
    // Unknown ids are 404 as for the re-sign itself.
    const unknown = await call(
      "POST",
      `/api/v1/builds/${original.id}/resign/preview`,
      JSON.stringify({ identityId: ferryIdentity, profileId: "00000000-0000-4000-8000-000000000000" }),
    );
    assert.equal(unknown.status, 404);
  });

  test("renew: the embedded profile counts the build once; a newer profile re-signs it into default and qa", async () => {
    const old = await addProfile(fixtureProfile);
    const listed = (await call("GET", "/api/v1/signing/profiles")).json.profiles as Json[];
    assert.equal(listed.find((p) => p.id === old.id)?.renewableBuilds, 1);
    assert.equal(listed.find((p) => p.id === wildcard.id)?.renewableBuilds, 0);
    const renewable = await call("GET", `/api/v1/signing/profiles/${old.id}/renew`);
    assert.deepEqual(
      (renewable.json.builds as Json[]).map((b) => [b.buildId, b.channels]),
      [[original.id, ["default", "qa"]]],
    );

    // The renewing identity and profile belong to the build's own team.
    const leaf = issue(
      pki.dir,
      "leaf-renew",
      RSA,
      `/CN=Apple Distribution: Renew Test (${FIXTURE_TEAM})/OU=${FIXTURE_TEAM}/O=Ferry Test/C=US`,
      CODE_SIGNING,
      { cert: pki.intermediate, key: path.join(pki.dir, "intermediate.key") },
    );
    const identityId = await addIdentity(leaf, "renew");
    const newer = await addProfile(
      testProfile({
        bundleId: "com.icyleaf.test.*",
        teamId: FIXTURE_TEAM,
        uuid: "55555555-5555-4555-8555-555555555555",
        name: "Demo 2099",
        certificates: [der(leaf.cert)],
        entitlements: { "keychain-access-groups": [`${FIXTURE_TEAM}.*`] },
      }),
    );
    const refused = await call(
      "POST",
      `/api/v1/signing/profiles/${old.id}/renew`,
      JSON.stringify({ profileId: wildcard.id, identityId: ferryIdentity }),
    );
    assert.equal(refused.status, 422);
    assert.equal((refused.json.error as Json).code, "signing_profile_team_mismatch");

    const res = await call(
      "POST",
      `/api/v1/signing/profiles/${old.id}/renew`,
      JSON.stringify({ profileId: newer.id, identityId }),
    );
    assert.equal(res.status, 202, JSON.stringify(res.json));
    const jobs = res.json.jobs as { id: string; status: string; url: string; buildId: string; channels: string[] }[];
    assert.deepEqual(
      jobs.map((j) => [j.buildId, j.channels, j.url]),
      [[original.id, ["default", "qa"], `${server.baseUrl}/api/v1/jobs/${jobs[0]?.id}`]],
    );
    const job = await finished(jobs[0]?.id ?? "");
    assert.equal(job.status, "succeeded", JSON.stringify(job));

    const heads: Record<string, Json> = {};
    for (const channel of ["default", "qa", "beta"]) {
      const latest = await call("GET", `/api/v1/apps/${original.appId}/channels/${channel}/latest`);
      assert.equal(latest.status, 200, JSON.stringify(latest.json));
      heads[channel] = latest.json.build as Json;
    }
    assert.equal(heads.default?.id, job.buildId);
    assert.equal(heads.qa?.id, job.buildId);
    assert.notEqual(heads.beta?.id, job.buildId, "beta's newest build had another profile");
    const made = heads.default as { resignedFrom: string; codeSignature: { valid: boolean; problems: unknown[] } };
    assert.equal(made.resignedFrom, original.id);
    assert.deepEqual(made.codeSignature.problems, []);
    assert.equal(made.codeSignature.valid, true);
    const [row] = await sql<{ uuid: string }>(
      "SELECT metadata #>> '{profile,uuid}' AS uuid FROM builds WHERE id = $1",
      [job.buildId],
    );
    assert.equal(row?.uuid, newer.uuid);
    assert.equal(
      (await sql("SELECT 1 FROM builds WHERE resigned_from_id = $1", [original.id])).length,
      1,
      "one build made (the job refused by the narrow profile made none)",
    );
    const after = (await call("GET", "/api/v1/signing/profiles")).json.profiles as Json[];
    assert.equal(after.find((p) => p.id === old.id)?.renewableBuilds, 0, "renewed: no channel heads it any more");
    assert.equal(after.find((p) => p.id === newer.id)?.renewableBuilds, 1);
    const audit = await sql<{ details: { jobs: string[] } }>(
      "SELECT details FROM audit_events WHERE action = 'signing_profile.renew' AND target_id = $1",
      [old.id],
    );
    assert.deepEqual(audit[0]?.details.jobs, [jobs[0]?.id]);
  });
});
