/**
 * Re-signing over real HTTP against a real server and PostgreSQL: an admin adds
 * a signing identity (.p12 made with openssl here) and a profile, re-signs a
 * real Apple-signed build with an extension, the job survives a server
 * restart while queued and completes once, the new build verifies with no
 * code-signature problem under the test root (CODESIGN_EXTRA_ROOTS), carries
 * the new profile in every bundle, is `resignedFrom` the original, and fires
 * `build.created` and `build.resigned`. Wrong inputs get their own errors and
 * store nothing; the private key and password appear in no response, log line,
 * audit row or job row.
 */
import assert from "node:assert/strict";
import { createPrivateKey, X509Certificate } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import * as plist from "plist";
import { withZip } from "@/lib/analysis/ipa/zip-reader";
import { fingerprintOf } from "@/lib/verify/trust-roots";
import { verifyCodeSignature } from "@/lib/verify/verify-code-signature";
import { createToken, type FerryServer, startFerry } from "./helpers/ferry-server";
import { fixturePath } from "./helpers/fixtures";
import { exportP12, makeTestPki, TEST_COMMON_NAME, TEST_TEAM_ID, type TestPki } from "./helpers/signing-pki";
import { createTestDatabase, queryDatabase } from "./helpers/test-database";
import { testProfile } from "./helpers/test-profile";

const PASSWORD = "re-sign horse battery";
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-resign-http-"));
const dataDir = path.join(tmp, "data");
let pki: TestPki;
let database: { url: string; drop: () => Promise<void> };
let server: FerryServer;
const outputs: string[] = [];
const responses: string[] = [];
let token: string;
let uploadToken: string;
const hooks: { event: string; build: { id: string } }[] = [];
let receiver: http.Server;
let receiverUrl = "";
const env: Record<string, string> = {
  AUTH_SECRET: "resign-test-auth-secret-0123456789-abcdefghij",
  WEBHOOK_ALLOW_LOOPBACK: "true",
  WEBHOOK_RETRY_BASE: "1s",
};

type Json = Record<string, unknown>;
type Build = {
  id: string;
  appId: string;
  bundleId: string;
  version: string;
  channels: string[];
  resignedFrom: string | null;
  manifestUrl: string | null;
  codeSignature: {
    valid: boolean;
    problems: { code: string; severity: string; path: string }[];
    signer: { commonName: string; teamId: string; issuedByApple: boolean } | null;
    entitlements: Record<string, unknown> | null;
  } | null;
};

/** A request with the admin's sign token; every response body is kept for the leak check. */
async function call(
  method: string,
  url: string,
  body?: BodyInit,
  headers: Record<string, string> = {},
  bearer = token,
): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${server.baseUrl}${url}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, ...headers },
    body,
  });
  const text = await res.text();
  responses.push(text);
  return { status: res.status, json: text ? (JSON.parse(text) as Json) : {} };
}

/** Polls `read` every 250 ms until it gives a value, failing after `timeoutMs`. */
async function until<T>(read: () => Promise<T | null>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`not done in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
  queryDatabase<T>(database.url, text, params);

async function start(extra: Record<string, string> = {}) {
  server = await startFerry({
    databaseUrl: database.url,
    dataDir,
    env: { ...env, CODESIGN_EXTRA_ROOTS: pki.root, ...extra },
  });
}
async function stop() {
  outputs.push(server.output());
  await server.stop();
}

let identityId = "";
let profileId = "";
let original: Build;
let certDer: Buffer;
const profileData = () =>
  Buffer.from(
    testProfile({
      bundleId: "*",
      teamId: TEST_TEAM_ID,
      uuid: "33333333-3333-4333-8333-333333333333",
      name: "Ferry re-sign wildcard",
      certificates: [certDer],
      entitlements: { "keychain-access-groups": [`${TEST_TEAM_ID}.*`] },
    }),
  );

before(async () => {
  pki = makeTestPki(path.join(tmp, "pki"));
  certDer = Buffer.from(new X509Certificate(fs.readFileSync(pki.rsa.cert)).raw);
  fs.mkdirSync(dataDir);
  database = await createTestDatabase();
  receiver = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      hooks.push(JSON.parse(body) as { event: string; build: { id: string } });
      res.end("ok");
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  const address = receiver.address();
  receiverUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/hook`;
  // The first instance runs no jobs: what it queues must be done by the next one.
  await start({ JOB_WORKER: "false" });
  token = await createToken(server, server.admin.email, ["--scopes", "upload,read,sign"]);
  uploadToken = await createToken(server, server.admin.email);
});
after(async () => {
  if (server) await stop();
  receiver?.close();
  await database?.drop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("re-signing through the API", () => {
  test("upload the original, hook its app", async () => {
    const res = await call(
      "POST",
      "/api/v1/builds",
      fs.readFileSync(fixturePath("ipa", "app_info--embedded.ipa")),
      { "content-type": "application/octet-stream" },
      uploadToken,
    );
    assert.equal(res.status, 201, JSON.stringify(res.json));
    original = res.json.build as Build;
    assert.equal(original.resignedFrom, null);
    const hook = await call(
      "POST",
      `/api/v1/apps/${original.appId}/webhooks`,
      JSON.stringify({ url: receiverUrl, events: ["build.created", "build.resigned"] }),
      { "content-type": "application/json" },
      uploadToken,
    );
    assert.equal(hook.status, 201, JSON.stringify(hook.json));
  });

  test("identities: a wrong password and a mismatched key are their own errors and store nothing; a .p12 is added", async () => {
    const p12 = fs.readFileSync(exportP12(pki, pki.rsa, "http", PASSWORD));
    const form = (fields: Record<string, Blob | string>) => {
      const data = new FormData();
      for (const [k, v] of Object.entries(fields)) data.append(k, v);
      return data;
    };
    const wrong = await call("POST", "/api/v1/signing/identities", form({ file: new Blob([p12]), password: "nope" }));
    assert.equal(wrong.status, 422);
    assert.equal((wrong.json.error as Json).code, "signing_identity_wrong_password");
    const mismatch = await call(
      "POST",
      "/api/v1/signing/identities",
      form({
        certificate: new Blob([fs.readFileSync(pki.rsa.cert)]),
        key: new Blob([fs.readFileSync(pki.ec.key)]),
      }),
    );
    assert.equal(mismatch.status, 422);
    assert.equal((mismatch.json.error as Json).code, "signing_identity_key_mismatch");
    assert.equal((await sql("SELECT 1 FROM signing_identities")).length, 0);

    // Tokens without `sign` are refused, even an admin's.
    const noSign = await call(
      "POST",
      "/api/v1/signing/identities",
      form({ file: new Blob([p12]), password: PASSWORD }),
      {},
      uploadToken,
    );
    assert.equal(noSign.status, 403);

    const added = await call("POST", "/api/v1/signing/identities", form({ file: new Blob([p12]), password: PASSWORD }));
    assert.equal(added.status, 201, JSON.stringify(added.json));
    const identity = added.json.identity as Json;
    assert.deepEqual(Object.keys(identity).sort(), ["commonName", "id", "notAfter", "serial", "teamId"]);
    assert.equal(identity.commonName, TEST_COMMON_NAME);
    assert.equal(identity.teamId, TEST_TEAM_ID);
    identityId = String(identity.id);
    const list = await call("GET", "/api/v1/signing/identities");
    assert.deepEqual(
      (list.json.identities as Json[]).map((i) => i.id),
      [identityId],
    );
  });

  test("profiles: not a profile is refused; a profile is added and listed", async () => {
    const bad = await call("POST", "/api/v1/signing/profiles", Buffer.from("not a profile at all"), {
      "content-type": "application/octet-stream",
    });
    assert.equal(bad.status, 422);
    assert.equal((bad.json.error as Json).code, "not_a_profile");
    const added = await call("POST", "/api/v1/signing/profiles", profileData(), {
      "content-type": "application/octet-stream",
    });
    assert.equal(added.status, 201, JSON.stringify(added.json));
    const profile = added.json.profile as Json;
    assert.equal(profile.appIdPattern, "*");
    assert.equal(profile.teamId, TEST_TEAM_ID);
    assert.equal(profile.type, "enterprise");
    profileId = String(profile.id);
    assert.equal(((await call("GET", "/api/v1/signing/profiles")).json.profiles as Json[]).length, 1);
  });

  test("a profile that does not name the certificate, or whose app id does not cover the app, is refused at once", async () => {
    const other = await call(
      "POST",
      "/api/v1/signing/profiles",
      Buffer.from(
        testProfile({
          bundleId: "com.other.app",
          teamId: TEST_TEAM_ID,
          uuid: "44444444-4444-4444-8444-444444444444",
          certificates: [certDer],
        }),
      ),
      { "content-type": "application/octet-stream" },
    );
    assert.equal(other.status, 201);
    const noCert = await call(
      "POST",
      "/api/v1/signing/profiles",
      Buffer.from(testProfile({ bundleId: "*", teamId: TEST_TEAM_ID, uuid: "55555555-5555-4555-8555-555555555555" })),
      { "content-type": "application/octet-stream" },
    );
    assert.equal(noCert.status, 201);
    for (const [profile, code] of [
      [other.json.profile as Json, "signing_profile_app_id_mismatch"],
      [noCert.json.profile as Json, "signing_profile_certificate_mismatch"],
    ] as const) {
      const res = await call(
        "POST",
        `/api/v1/builds/${original.id}/resign`,
        JSON.stringify({ identityId, profileId: profile.id }),
        { "content-type": "application/json" },
      );
      assert.equal(res.status, 422, JSON.stringify(res.json));
      assert.equal((res.json.error as Json).code, code);
      assert.equal((await call("DELETE", `/api/v1/signing/profiles/${profile.id}`)).status, 204);
    }
    assert.equal((await sql("SELECT 1 FROM jobs")).length, 0, "nothing queued");
  });

  let jobId = "";
  test("the re-sign is queued (202) while this instance runs no jobs", async () => {
    const res = await call(
      "POST",
      `/api/v1/builds/${original.id}/resign`,
      JSON.stringify({ identityId, profileId, channels: ["beta"] }),
      { "content-type": "application/json" },
    );
    assert.equal(res.status, 202, JSON.stringify(res.json));
    const job = res.json.job as Json;
    assert.equal(job.status, "queued");
    assert.equal(job.url, `${server.baseUrl}/api/v1/jobs/${job.id}`);
    jobId = String(job.id);
    const polled = await call("GET", `/api/v1/jobs/${jobId}`);
    assert.equal((polled.json.job as Json).status, "queued");
  });

  let resigned: Build;
  test("after a restart the job runs once and makes a verified build resignedFrom the original", async () => {
    await stop();
    await start();
    const job = await until(async () => {
      const { json } = await call("GET", `/api/v1/jobs/${jobId}`);
      const j = json.job as Json;
      if (j.status === "failed") throw new Error(`the job failed: ${JSON.stringify(j)}`);
      return j.status === "succeeded" ? j : null;
    }, 120_000);
    assert.equal(job.attempts, 1);
    assert.ok(job.buildId);
    const { json } = await call("GET", `/api/v1/builds/${job.buildId}`);
    resigned = json.build as Build;
    assert.equal(resigned.resignedFrom, original.id);
    assert.equal(resigned.appId, original.appId);
    assert.equal(resigned.version, original.version);
    assert.deepEqual(resigned.channels, ["beta"]);
    const signature = resigned.codeSignature;
    assert.ok(signature);
    assert.deepEqual(signature.problems, [], JSON.stringify(signature.problems));
    assert.equal(signature.valid, true);
    assert.equal(signature.signer?.commonName, TEST_COMMON_NAME);
    assert.equal(signature.signer?.teamId, TEST_TEAM_ID);
    assert.equal(signature.entitlements?.["application-identifier"], `${TEST_TEAM_ID}.com.icyleaf.test.Demo`);
    assert.deepEqual(signature.entitlements?.["keychain-access-groups"], [`${TEST_TEAM_ID}.com.icyleaf.test.Demo`]);
    const made = await sql("SELECT id FROM builds WHERE resigned_from_id = $1", [original.id]);
    assert.equal(made.length, 1, "exactly one build made");
  });

  test("the new build downloads, verifies under the test root and carries the new profile in every bundle", async () => {
    assert.ok(resigned.manifestUrl, "installable: it has a manifest");
    const manifest = plist.parse(await (await fetch(resigned.manifestUrl)).text()) as {
      items: { assets: { kind: string; url: string }[] }[];
    };
    const ipaUrl = manifest.items[0]?.assets.find((a) => a.kind === "software-package")?.url;
    assert.ok(ipaUrl);
    const file = path.join(tmp, "downloaded.ipa");
    fs.writeFileSync(file, Buffer.from(await (await fetch(ipaUrl)).arrayBuffer()));
    const root = new X509Certificate(fs.readFileSync(pki.root));
    const report = await verifyCodeSignature(file, {
      extraAnchors: [{ certificate: root, fingerprint: fingerprintOf(root), name: "test root", apple: false }],
    });
    assert.deepEqual(report.problems, []);
    const expected = profileData();
    await withZip(file, async (zip) => {
      const embedded = zip.entries.filter((e) => e.name.endsWith("/embedded.mobileprovision"));
      assert.deepEqual(embedded.map((e) => e.name).sort(), [
        "Payload/Demo.app/PlugIns/Notification.appex/embedded.mobileprovision",
        "Payload/Demo.app/embedded.mobileprovision",
      ]);
      for (const entry of embedded) assert.ok((await zip.readEntry(entry.name, 1 << 20)).equals(expected), entry.name);
    });
  });

  test("webhooks: build.created and build.resigned for the new build", async () => {
    await until(async () => {
      const events = hooks.filter((h) => h.build.id === resigned.id).map((h) => h.event);
      return events.includes("build.created") && events.includes("build.resigned") ? events : null;
    }, 30_000);
  });

  test("a build whose seal is broken comes out whole (synthetic fixture)", async () => {
    const up = await call(
      "POST",
      "/api/v1/builds",
      fs.readFileSync(fixturePath("synthetic", "synthetic--development-2036.ipa")),
      { "content-type": "application/octet-stream" },
      uploadToken,
    );
    assert.equal(up.status, 201);
    const broken = up.json.build as Build;
    assert.equal(broken.codeSignature?.valid, false);
    const res = await call("POST", `/api/v1/builds/${broken.id}/resign`, JSON.stringify({ identityId, profileId }), {
      "content-type": "application/json",
    });
    assert.equal(res.status, 202);
    const job = await until(async () => {
      const { json } = await call("GET", `/api/v1/jobs/${(res.json.job as Json).id}`);
      const j = json.job as Json;
      if (j.status === "failed") throw new Error(JSON.stringify(j));
      return j.status === "succeeded" ? j : null;
    }, 120_000);
    const { json } = await call("GET", `/api/v1/builds/${job.buildId}`);
    const fixed = json.build as Build;
    assert.equal(fixed.codeSignature?.valid, true, JSON.stringify(fixed.codeSignature?.problems));
    assert.equal(fixed.resignedFrom, broken.id);
  });

  test("audited; the key and password appear in no response, log line, audit row or job row", async () => {
    const actions = (await sql<{ action: string }>("SELECT action FROM audit_events ORDER BY id")).map((r) => r.action);
    for (const action of ["signing_identity.add", "signing_profile.add", "signing_profile.delete", "build.resign"]) {
      assert.ok(actions.includes(action), action);
    }
    const uploads = await sql<{ details: Json }>(
      "SELECT details FROM audit_events WHERE action = 'build.upload' AND build_id = $1",
      [resigned.id],
    );
    assert.equal(uploads[0]?.details.via, "resign");
    assert.equal(uploads[0]?.details.resignedFrom, original.id);

    outputs.push(server.output());
    const keyPem = fs.readFileSync(pki.rsa.key, "utf8");
    const pkcs8 = createPrivateKey(keyPem).export({ type: "pkcs8", format: "der" });
    const secrets = [
      PASSWORD,
      ...keyPem
        .split("\n")
        .filter((l) => l && !l.startsWith("-----"))
        .slice(1, 6),
      pkcs8.toString("base64").slice(100, 160),
      pkcs8.toString("hex").slice(200, 280),
    ];
    const rows = await sql<{ text: string }>(
      `SELECT coalesce((SELECT json_agg(a)::text FROM audit_events a), '') ||
              coalesce((SELECT json_agg(j)::text FROM jobs j), '') ||
              coalesce((SELECT json_agg(d)::text FROM webhook_deliveries d), '') AS text`,
    );
    const haystacks = { responses: responses.join("\n"), logs: outputs.join("\n"), database: rows[0]?.text ?? "" };
    assert.ok(haystacks.responses.length > 1000 && haystacks.logs.length > 100 && haystacks.database.length > 1000);
    for (const [where, text] of Object.entries(haystacks)) {
      for (const secret of secrets) assert.ok(!text.includes(secret), `a secret appears in the ${where}`);
    }
  });
});
