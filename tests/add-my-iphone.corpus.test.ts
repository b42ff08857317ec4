/**
 * The whole loop, real PostgreSQL, the real job worker and handlers, the fake
 * App Store Connect server, a real development build (synthetic fixture,
 * team FERRYTEST1): an enrolled iPhone missing from the build → "Add my
 * iPhone" → the fake sees the device and a new profile → the re-sign job
 * re-signs → the new build's embedded profile lists the UDID, its code
 * signature verifies under the test root, coverage includes the device, the
 * build page would offer Install. Also: an instance dying in the middle of
 * the job (its lease runs out, another finishes it: the device registered
 * once, one Ferry profile), and two instances ticking at once (one run).
 */
import assert from "node:assert/strict";
import { createHash, X509Certificate } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { CLI_ACTOR, userActor } from "@/lib/access/actor";
import { parseProvisioningProfile } from "@/lib/analysis/profile/parse-profile";
import type { AppStoreConnectClient } from "@/lib/app-store-connect/client";
import { loadAppStoreConnectClient, provisioningStateFor } from "@/lib/app-store-connect/data";
import { requestProvisioning, saveAscKey, setDeviceSync } from "@/lib/app-store-connect/mutations";
import { runProvisionJob } from "@/lib/app-store-connect/provision-job";
import { PROVISION_JOB_KIND } from "@/lib/app-store-connect/schema";
import { setAppVisibility } from "@/lib/apps/mutations";
import { getBuildByIdFor } from "@/lib/builds/data";
import { listChannelsFor } from "@/lib/channels/data";
import { prisma } from "@/lib/db/client";
import { loadCmsSigner } from "@/lib/devices/cms-sign";
import { deviceBlocker, deviceCoverageFor } from "@/lib/devices/data";
import { JOB_HANDLERS } from "@/lib/jobs/handlers";
import { claimJobs, findJob } from "@/lib/jobs/jobs";
import { createJobWorker } from "@/lib/jobs/worker";
import { addSigningIdentity } from "@/lib/signing/identities/mutations";
import { ingestBuild } from "@/lib/upload/ingest-build";
import type { UserDto } from "@/lib/users/data";
import { createUser } from "@/lib/users/mutations";
import { useDomainDatabase } from "@/tests/helpers/domain-database";
import { type FakeAppStoreConnect, startFakeAppStoreConnect } from "@/tests/helpers/fake-app-store-connect";
import { fixturePath } from "@/tests/helpers/fixtures";
import { exportP12, makeTestPki, TEST_TEAM_ID, type TestPki } from "@/tests/helpers/signing-pki";

const BUNDLE = "com.icyleaf.AppInfoDemo";
let db: Awaited<ReturnType<typeof useDomainDatabase>>;
let fake: FakeAppStoreConnect;
let pki: TestPki;
let admin: UserDto;
let member: UserDto;
let originalId = "";
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-asc-loop-"));
const context = { ip: null, userAgent: null };
const lines: string[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Ticks `workers` until every job is finished (or fails the test with the failed job). */
async function drain(workers: ReturnType<typeof createJobWorker>[], timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await Promise.all(workers.map((w) => w.tick()));
    await Promise.all(workers.map((w) => w.settled()));
    const open = await db.query<{ n: string }>(`SELECT count(*) AS n FROM jobs WHERE status IN ('queued', 'running')`);
    const failed = await db.query(`SELECT kind, error FROM jobs WHERE status = 'failed'`);
    assert.deepEqual(failed, [], lines.join("\n"));
    if (Number(open[0]?.n) === 0) return;
    if (Date.now() > deadline) throw new Error("jobs not done");
    await sleep(200);
  }
}

async function enrolled(owner: UserDto, udid: string) {
  return prisma().device.create({
    data: { udid, userId: owner.id, model: "iPhone15,2" },
    select: { id: true, udid: true },
  });
}

before(async () => {
  pki = makeTestPki(path.join(tmp, "pki"));
  const signer = loadCmsSigner(
    fs.readFileSync(pki.intermediate, "utf8") + fs.readFileSync(pki.root, "utf8"),
    fs.readFileSync(path.join(pki.dir, "intermediate.key"), "utf8"),
  );
  fake = await startFakeAppStoreConnect({ profileSigner: signer, teamId: TEST_TEAM_ID });
  process.env.APP_STORE_CONNECT_API_URL = fake.url;
  process.env.CODESIGN_EXTRA_ROOTS = pki.root;
  db = await useDomainDatabase();
  admin = await createUser({ email: "admin@example.com", role: "admin" }, CLI_ACTOR);
  member = await createUser({ email: "member@example.com", role: "member" }, CLI_ACTOR);
  const actor = userActor(admin, context);
  const p12 = fs.readFileSync(exportP12(pki, pki.rsa, "rsa", "pw"));
  const identity = await addSigningIdentity({ kind: "p12", file: p12, password: "pw" }, actor);
  fake.addCertificate(Buffer.from(new X509Certificate(fs.readFileSync(pki.rsa.cert)).raw), "DEVELOPMENT");
  fake.addBundleId(BUNDLE, "App Info Demo");

  const copy = path.join(tmp, "upload.ipa");
  fs.copyFileSync(fixturePath("synthetic", "synthetic--development-2036.ipa"), copy);
  const bytes = fs.readFileSync(copy);
  const { build } = await ingestBuild({
    file: {
      path: copy,
      size: bytes.length,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      durable: Promise.resolve(),
    },
    uploader: admin,
    via: "token",
    context,
    channel: "beta",
  });
  originalId = build.id;
  await setAppVisibility({ appId: build.appId, visibility: "everyone" }, actor);
  await saveAscKey({ issuerId: fake.issuerId, keyId: fake.keyId, privateKey: fake.p8 }, actor);
  await setDeviceSync(
    { appId: build.appId, enabled: true, identityId: identity.id, profileType: "development" },
    actor,
  );
});
after(async () => {
  await db?.cleanup();
  await fake?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("Add my iPhone, end to end", () => {
  let udid = "";

  it("an enrolled iPhone the development build lacks is offered Add my iPhone, not Install", async () => {
    udid = (await enrolled(member, "00008110-000A11CE00000001")).udid;
    const original = await getBuildByIdFor(member, originalId);
    assert.ok(original);
    assert.equal(original.analysis?.profile?.type, "development");
    assert.ok(deviceBlocker(original, { udid, name: null }), "blocked on this device");
    const state = await provisioningStateFor(member, originalId);
    assert.equal(state?.available, true);
    assert.deepEqual(
      state?.missing.map((m) => m.udid),
      [udid],
    );
  });

  it("the job registers it, makes the profile, re-signs; the new build lists the UDID and installs", async () => {
    await requestProvisioning({ buildId: originalId }, userActor(member, context));
    await drain([createJobWorker({ handlers: JOB_HANDLERS, log: (l) => lines.push(l) })]);

    assert.equal(fake.devices.filter((d) => d.udid === udid).length, 1);
    const ferry = fake.profiles.filter((p) => p.name.startsWith("Ferry "));
    assert.equal(ferry.length, 1);
    assert.equal(ferry[0]?.profileType, "IOS_APP_DEVELOPMENT");
    assert.deepEqual(parseProvisioningProfile(ferry[0]!.content).devices, [udid]);

    const state = await provisioningStateFor(member, originalId);
    assert.ok(state?.resignedBuildId, "the re-signed build is visible to the member");
    assert.deepEqual(state?.pending, []);
    assert.deepEqual(state?.resign, {
      buildId: originalId,
      status: "succeeded",
      resignedBuildId: state.resignedBuildId,
    });
    assert.equal(state?.failure, null);
    const resigned = await getBuildByIdFor(member, state.resignedBuildId);
    assert.ok(resigned);
    assert.equal(resigned.resignedFrom, originalId);
    assert.deepEqual(resigned.channels, ["beta"]);
    assert.deepEqual(resigned.analysis?.profile?.devices, [udid]);
    assert.equal(resigned.analysis?.profile?.uuid, ferry[0]?.uuid);
    assert.deepEqual(resigned.codeSignature?.problems, [], JSON.stringify(resigned.codeSignature));
    assert.equal(resigned.codeSignature?.signer?.trusted, true, "signed under the test root");
    const coverage = await deviceCoverageFor(member, resigned);
    assert.deepEqual(
      coverage?.included.map((d) => d.udid),
      [udid],
    );
    assert.equal(deviceBlocker(resigned, { udid, name: null }), null, "the page offers Install");
    const webhookOrAudit = await db.query<{ action: string }>(
      `SELECT action FROM audit_events WHERE action IN ('app_store_connect.provision', 'build.upload') ORDER BY id`,
    );
    assert.ok(webhookOrAudit.some((r) => r.action === "app_store_connect.provision"));
  });

  it("an instance dies mid-job: another takes over after the lease; one device, one Ferry profile", async () => {
    await db.query(`DELETE FROM jobs`);
    const second = await enrolled(member, "00008110-000A11CE00000002");
    const job = await requestProvisioning({ buildId: originalId, deviceIds: [second.id] }, userActor(member, context));
    await db.query(`UPDATE jobs SET run_at = now() WHERE id = $1::uuid`, [job.id]);
    const [dying] = await claimJobs({ kinds: [PROVISION_JOB_KIND], leaseSeconds: 1, workerId: "dying" });
    assert.equal(dying?.id, job.id);
    // The first instance registers the device, then dies while Apple makes the profile.
    const real = await loadAppStoreConnectClient();
    const crashing: AppStoreConnectClient = {
      ...real,
      createProfile: async (input) => {
        await real.createProfile(input);
        throw new Error("the instance died");
      },
    };
    await assert.rejects(runProvisionJob(dying!, { client: crashing }), /died/);
    assert.equal(fake.devices.filter((d) => d.udid === second.udid).length, 1);
    await sleep(1200);
    const worker = createJobWorker({ handlers: JOB_HANDLERS, log: (l) => lines.push(l) });
    await drain([worker]);
    const done = await findJob(job.id);
    assert.equal(done?.status, "succeeded");
    assert.equal(done?.attempts, 2);
    assert.equal(fake.devices.filter((d) => d.udid === second.udid).length, 1, "registered once");
    const ferry = fake.profiles.filter((p) => p.name.startsWith("Ferry "));
    assert.equal(ferry.length, 1, "the profile the dead instance made was adopted, the one before deleted");
    assert.deepEqual(parseProvisioningProfile(ferry[0]!.content).devices.sort(), [udid, second.udid].sort());
  });

  it("two instances ticking at once run the job once", async () => {
    await db.query(`DELETE FROM jobs`);
    const third = await enrolled(member, "00008110-000A11CE00000003");
    const job = await requestProvisioning({ buildId: originalId, deviceIds: [third.id] }, userActor(member, context));
    await db.query(`UPDATE jobs SET run_at = now() WHERE id = $1::uuid`, [job.id]);
    const posts = () => fake.requests.filter((r) => r.method === "POST" && r.path === "/v1/profiles").length;
    const before = posts();
    await drain([
      createJobWorker({ handlers: JOB_HANDLERS, log: (l) => lines.push(l), workerId: "a" }),
      createJobWorker({ handlers: JOB_HANDLERS, log: (l) => lines.push(l), workerId: "b" }),
    ]);
    assert.equal(posts() - before, 1);
    assert.equal((await findJob(job.id))?.attempts, 1);
    const resigns = await db.query(`SELECT id FROM jobs WHERE kind = 'build.resign'`);
    assert.equal(resigns.length, 1);
  });

  it("asked from an older build: the newest of its channel is re-signed and the state leads to that copy", async () => {
    await db.query(`DELETE FROM jobs`);
    const newest = (await listChannelsFor(member, (await getBuildByIdFor(member, originalId))!.appId)).find(
      (c) => c.name === "beta",
    )?.latest?.id;
    assert.ok(newest && newest !== originalId, "the original is no longer the newest of beta");
    const fourth = await enrolled(member, "00008110-000A11CE00000004");
    const job = await requestProvisioning({ buildId: originalId, deviceIds: [fourth.id] }, userActor(member, context));
    await db.query(`UPDATE jobs SET run_at = now() WHERE id = $1::uuid`, [job.id]);
    await drain([createJobWorker({ handlers: JOB_HANDLERS, log: (l) => lines.push(l) })]);
    const state = await provisioningStateFor(member, originalId);
    assert.equal(state?.resign?.buildId, newest, "the state names the build it re-signed");
    assert.equal(state?.resign?.status, "succeeded");
    const copy = await getBuildByIdFor(member, state?.resign?.resignedBuildId ?? "");
    assert.ok(copy, "and leads to its copy");
    assert.equal(copy.resignedFrom, newest);
    assert.ok(copy.analysis?.profile?.devices?.includes(fourth.udid));
    assert.deepEqual(copy.channels, ["beta"]);
  });
});
