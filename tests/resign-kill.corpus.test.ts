/**
 * A re-sign job survives its server being killed (SIGKILL, no clean-up) in
 * the middle of re-signing a large build: after a restart on the same DATA_DIR
 * and database the job's lease runs out, another attempt takes it over and
 * finishes `succeeded` exactly once, with exactly one new build in the asked
 * channel, and nothing the killed attempt wrote is left in DATA_DIR (its work
 * folder, a half-written .ipa, a stored file no build references).
 */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { isPlistDict, plistString } from "@/lib/analysis/ipa/plist-dict";
import { parsePlist } from "@/lib/analysis/ipa/plist-parse";
import { withZip } from "@/lib/analysis/ipa/zip-reader";
import { createToken, type FerryServer, startFerry } from "./helpers/ferry-server";
import { fixturePath } from "./helpers/fixtures";
import { generateIpa } from "./helpers/generate-ipa";
import { killHard } from "./helpers/kill-hard";
import { exportP12, makeTestPki, TEST_TEAM_ID, type TestPki } from "./helpers/signing-pki";
import { createTestDatabase, queryDatabase } from "./helpers/test-database";
import { testProfile } from "./helpers/test-profile";

type Json = Record<string, unknown>;
const MIB = 1024 * 1024;
/** Large enough that re-signing takes a moment (its copy is written while the test watches). */
const PAD_BYTES = 320 * MIB;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-resign-kill-"));
const dataDir = path.join(tmp, "data");
const env = { AUTH_SECRET: "resign-kill-auth-secret-0123456789-abcdefghij" };
let pki: TestPki;
let database: { url: string; drop: () => Promise<void> };
let server: FerryServer;
let token = "";

const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
  queryDatabase<T>(database.url, text, params);
async function call(method: string, url: string, body?: BodyInit, type?: string) {
  const res = await fetch(`${server.baseUrl}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(type ? { "content-type": type } : {}) },
    body,
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : {}) as Json };
}
async function until<T>(read: () => Promise<T | null>, timeoutMs: number, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`not done in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
const start = async () => {
  server = await startFerry({ databaseUrl: database.url, dataDir, env: { ...env, CODESIGN_EXTRA_ROOTS: pki.root } });
};

/** Every file under `dir`, relative. */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .flatMap((e) => (e.isFile() ? [path.relative(dir, path.join(e.parentPath, e.name))] : []));
}

before(async () => {
  pki = makeTestPki(path.join(tmp, "pki"));
  fs.mkdirSync(dataDir);
  database = await createTestDatabase();
  await start();
  token = await createToken(server, server.admin.email, ["--scopes", "upload,read,sign"]);
});
after(async () => {
  await server?.stop();
  await database?.drop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test("SIGKILL while a re-sign runs: after a restart it succeeds once, one build, no leftovers", async () => {
  // A signed executable from a real build, padded to a large app.
  const executable = await withZip(fixturePath("ipa", "app_info--embedded.ipa"), async (zip) => {
    const info = parsePlist(await zip.readEntry("Payload/Demo.app/Info.plist", MIB));
    const name = isPlistDict(info) ? plistString(info, "CFBundleExecutable") : null;
    assert.ok(name);
    return zip.readEntry(`Payload/Demo.app/${name}`, 64 * MIB);
  });
  const ipa = path.join(tmp, "large.ipa");
  await generateIpa(ipa, {
    bundleId: "com.example.kill",
    version: "1.0",
    buildNumber: "1",
    name: "Kill",
    padBytes: PAD_BYTES,
    executable,
  });
  const up = await call("POST", "/api/v1/builds", await fs.openAsBlob(ipa), "application/octet-stream");
  assert.equal(up.status, 201, JSON.stringify(up.json));
  const original = up.json.build as { id: string; appId: string };
  fs.rmSync(ipa);

  const form = new FormData();
  form.append("file", new Blob([fs.readFileSync(exportP12(pki, pki.rsa, "kill", "pw"))]));
  form.append("password", "pw");
  const identity = await call("POST", "/api/v1/signing/identities", form);
  assert.equal(identity.status, 201);
  const profile = await call(
    "POST",
    "/api/v1/signing/profiles",
    Buffer.from(
      testProfile({
        bundleId: "*",
        teamId: TEST_TEAM_ID,
        uuid: "66666666-6666-4666-8666-666666666666",
        certificates: [Buffer.from(new X509Certificate(fs.readFileSync(pki.rsa.cert)).raw)],
        entitlements: { "keychain-access-groups": [`${TEST_TEAM_ID}.*`] },
      }),
    ),
    "application/octet-stream",
  );
  assert.equal(profile.status, 201);

  const queued = await call(
    "POST",
    `/api/v1/builds/${original.id}/resign`,
    JSON.stringify({
      identityId: (identity.json.identity as Json).id,
      profileId: (profile.json.profile as Json).id,
      channels: ["beta"],
    }),
    "application/json",
  );
  assert.equal(queued.status, 202, JSON.stringify(queued.json));
  const jobId = String((queued.json.job as Json).id);
  const workDir = path.join(dataDir, "tmp", `resign-${jobId}`);

  // Killed once the re-signed copy is being written: the job is running and has made no build.
  await until(
    async () => {
      const [job] = await sql<{ status: string }>("SELECT status FROM jobs WHERE id = $1", [jobId]);
      assert.notEqual(job?.status, "succeeded", "the job finished before it could be killed: pad the build more");
      const output = path.join(workDir, "resigned.ipa");
      return job?.status === "running" && fs.existsSync(output) && fs.statSync(output).size > 0 ? true : null;
    },
    240_000,
    20,
  );
  killHard(server.pid);
  await server.stop();
  const [killed] = await sql<{ status: string; attempts: number }>("SELECT status, attempts FROM jobs WHERE id = $1", [
    jobId,
  ]);
  assert.deepEqual(killed, { status: "running", attempts: 1 });
  assert.equal((await sql("SELECT 1 FROM builds WHERE resigned_from_id = $1", [original.id])).length, 0);
  assert.ok(fs.existsSync(workDir), "the killed attempt left its work folder");

  await start();
  const job = await until(
    async () => {
      const { json } = await call("GET", `/api/v1/jobs/${jobId}`);
      const j = json.job as Json;
      if (j.status === "failed") throw new Error(`the job failed: ${JSON.stringify(j)}`);
      return j.status === "succeeded" ? j : null;
    },
    // The lease (60 s) must run out before another attempt takes the job.
    300_000,
  );
  assert.equal(job.attempts, 2);
  const made = await sql<{ id: string }>("SELECT id FROM builds WHERE resigned_from_id = $1", [original.id]);
  assert.deepEqual(
    made.map((b) => b.id),
    [job.buildId],
    "exactly one build made",
  );
  const uploads = await sql("SELECT 1 FROM audit_events WHERE action = 'build.upload' AND details->>'jobId' = $1", [
    jobId,
  ]);
  assert.equal(uploads.length, 1, "stored once");
  const latest = await call("GET", `/api/v1/apps/${original.appId}/channels/beta/latest`);
  assert.equal((latest.json.build as Json | undefined)?.id, job.buildId);
  const built = (await call("GET", `/api/v1/builds/${job.buildId}`)).json.build as {
    codeSignature: { problems: { code: string }[] };
  };
  assert.deepEqual(
    built.codeSignature.problems.filter((p) => p.code !== "certificate_expiring_soon"),
    [],
  );

  // Nothing left behind: no work folder, no temp file, and only the two builds' files stored.
  const again = await sql("SELECT 1 FROM jobs WHERE status <> 'succeeded'");
  assert.equal(again.length, 0);
  assert.deepEqual(filesUnder(path.join(dataDir, "tmp")), []);
  const stored = await sql<{ storage_key: string }>("SELECT storage_key FROM builds ORDER BY storage_key");
  assert.deepEqual(
    filesUnder(path.join(dataDir, "builds"))
      .map((f) => `builds/${f}`)
      .sort(),
    stored.map((r) => r.storage_key).sort(),
  );
});
