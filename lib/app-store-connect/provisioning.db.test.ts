/**
 * Domain tests, real PostgreSQL, against the fake App Store Connect server
 * (tests/helpers/fake-app-store-connect.ts): the key stored encrypted and never
 * returned; "Test connection"; "Add my iPhone" batched into one job per app;
 * the job registers the device (once, even when retried or throttled), makes
 * one real profile per bundle with every device Ferry has for the app,
 * deletes only the profile Ferry made before, queues the re-sign as the admin
 * who turned sync on; a burst of 20 requests is one regeneration; every
 * refusal Apple gives (device limit, role, unknown bundle id, certificate not
 * in the account) is its own error with Apple's detail, audited.
 */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { CLI_ACTOR, userActor } from "@/lib/access/actor";
import { parseProvisioningProfile } from "@/lib/analysis/profile/parse-profile";
import { getAscKey, provisioningStateFor, testAscConnection } from "@/lib/app-store-connect/data";
import { requestProvisioning, saveAscKey, setDeviceSync } from "@/lib/app-store-connect/mutations";
import { runProvisionJob } from "@/lib/app-store-connect/provision-job";
import { PROVISION_JOB_KIND } from "@/lib/app-store-connect/schema";
import { setAppVisibility } from "@/lib/apps/mutations";
import { prisma } from "@/lib/db/client";
import { loadCmsSigner } from "@/lib/devices/cms-sign";
import { AppError } from "@/lib/errors";
import { findJob, isRetryable, type Job, publicJobError } from "@/lib/jobs/jobs";
import { addSigningIdentity } from "@/lib/signing/identities/mutations";
import { RESIGN_JOB_KIND } from "@/lib/signing/resign/schema";
import type { UserDto } from "@/lib/users/data";
import { createUser } from "@/lib/users/mutations";
import { useDomainDatabase } from "@/tests/helpers/domain-database";
import { type FakeAppStoreConnect, startFakeAppStoreConnect } from "@/tests/helpers/fake-app-store-connect";
import { seedBuild } from "@/tests/helpers/seed-builds";
import { exportP12, makeTestPki, TEST_TEAM_ID, type TestPki } from "@/tests/helpers/signing-pki";

const APP = "com.ferry.sync";
const WIDGET = "com.ferry.sync.widget";
let db: Awaited<ReturnType<typeof useDomainDatabase>>;
let fake: FakeAppStoreConnect;
let pki: TestPki;
let admin: UserDto;
let member: UserDto;
let buildId = "";
let appId = "";
let identityId = "";
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-asc-db-"));
const context = { ip: null, userAgent: null };
const isCode = (code: string, detail?: RegExp) => (error: unknown) => {
  assert.ok(error instanceof AppError, String(error));
  assert.equal(error.code, code, error.message);
  if (detail) assert.match(error.message, detail);
  return true;
};
let udidCounter = 0;
const nextUdid = () => `00008030-${String(++udidCounter).padStart(16, "0")}`;

async function enrolledDevice(owner: UserDto, model = "iPhone15,2"): Promise<{ id: string; udid: string }> {
  return prisma().device.create({
    data: { udid: nextUdid(), userId: owner.id, model, name: `${owner.email}'s iPhone` },
    select: { id: true, udid: true },
  });
}

async function claimed(id: string): Promise<Job> {
  const job = await findJob(id);
  assert.ok(job);
  return job;
}

const ferryProfilesInApple = () => fake.profiles.filter((p) => p.name.startsWith("Ferry "));

before(async () => {
  pki = makeTestPki(path.join(tmp, "pki"));
  const signer = loadCmsSigner(
    fs.readFileSync(pki.intermediate, "utf8") + fs.readFileSync(pki.root, "utf8"),
    fs.readFileSync(path.join(pki.dir, "intermediate.key"), "utf8"),
  );
  fake = await startFakeAppStoreConnect({ profileSigner: signer, teamId: TEST_TEAM_ID });
  process.env.APP_STORE_CONNECT_API_URL = fake.url;
  db = await useDomainDatabase();
  admin = await createUser({ email: "admin@example.com", role: "admin" }, CLI_ACTOR);
  member = await createUser({ email: "member@example.com", role: "member" }, CLI_ACTOR);
  const p12 = fs.readFileSync(exportP12(pki, pki.rsa, "rsa", "pw"));
  identityId = (await addSigningIdentity({ kind: "p12", file: p12, password: "pw" }, userActor(admin, context))).id;
  fake.addCertificate(Buffer.from(new X509Certificate(fs.readFileSync(pki.rsa.cert)).raw));
  fake.addBundleId(APP);
  fake.addBundleId(WIDGET);
  const build = await seedBuild(db.dataDir, { bundleId: APP, label: "1.0", uploadedById: admin.id, channel: "beta" });
  buildId = build.id;
  appId = build.appId;
  // What the analyser stores for an ad hoc build with a widget, listing one device that is not the member's.
  await db.query(`UPDATE builds SET metadata = $1::jsonb WHERE id = $2::uuid`, [
    JSON.stringify({
      ipa: { extensions: [{ path: "Payload/Sync.app/PlugIns/Widget.appex", bundleId: WIDGET }] },
      profile: { type: "ad-hoc", devices: ["00008030-FFFFFFFFFFFFFFFF"], provisionsAllDevices: false },
    }),
    buildId,
  ]);
  await setAppVisibility({ appId, visibility: "everyone" }, userActor(admin, context));
});
after(async () => {
  await db?.cleanup();
  await fake?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("set-up", () => {
  it("refuses a request before a key and sync exist", async () => {
    await enrolledDevice(member);
    await assert.rejects(requestProvisioning({ buildId }, userActor(member, context)), isCode("asc_not_configured"));
  });

  it("stores the key encrypted; no answer, row or audit carries it; only admins", async () => {
    await assert.rejects(
      saveAscKey({ issuerId: fake.issuerId, keyId: fake.keyId, privateKey: fake.p8 }, userActor(member, context)),
      isCode("forbidden"),
    );
    await assert.rejects(
      saveAscKey(
        {
          issuerId: fake.issuerId,
          keyId: fake.keyId,
          privateKey: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
        },
        userActor(admin, context),
      ),
      isCode("asc_key_invalid"),
    );
    await saveAscKey({ issuerId: fake.issuerId, keyId: fake.keyId, privateKey: fake.p8 }, userActor(admin, context));
    const dto = await getAscKey(userActor(admin, context));
    assert.deepEqual(
      { ...dto, createdAt: null },
      { configured: true, issuerId: fake.issuerId, keyId: fake.keyId, createdAt: null },
    );
    const body = fake.p8.split("\n").slice(1, -2).join("");
    const everything =
      JSON.stringify(await db.query("SELECT * FROM app_store_connect_keys")) +
      JSON.stringify(await db.query("SELECT * FROM audit_events"));
    assert.ok(!everything.includes(body.slice(0, 40)), "the .p8 is nowhere in plain text");
    assert.ok(!everything.includes("PRIVATE KEY"));
  });

  it("Test connection lists the certificates and the devices per kind against the limit", async () => {
    fake.addDevice("00008030-0000000000HANDMADE", "Made by hand");
    const test = await testAscConnection(userActor(admin, context));
    assert.equal(test.certificates.length, 1);
    assert.match(test.certificates[0]?.name ?? "", /Ferry Test/);
    assert.deepEqual(test.devices, [{ kind: "IPHONE", used: 1, limit: 100 }]);
    // Stored for the Add-my-iPhone panel, every kind counted (none of a kind is 0), and the UDID known to Apple.
    const counts = await db.query<{ kind: string; used: number }>("SELECT kind, used FROM asc_device_counts");
    assert.equal(counts.find((c) => c.kind === "IPHONE")?.used, 1);
    assert.equal(counts.find((c) => c.kind === "IPAD")?.used, 0);
    const known = await db.query<{ registered_by_ferry: boolean }>(
      "SELECT registered_by_ferry FROM asc_devices WHERE udid = '00008030-0000000000HANDMADE'",
    );
    assert.deepEqual(known, [{ registered_by_ferry: false }]);
    await assert.rejects(testAscConnection(userActor(member, context)), isCode("forbidden"));
  });

  it("device sync needs an identity and a type; only admins", async () => {
    await assert.rejects(setDeviceSync({ appId, enabled: true }, userActor(admin, context)), isCode("bad_request"));
    await assert.rejects(
      setDeviceSync({ appId, enabled: true, identityId, profileType: "ad-hoc" }, userActor(member, context)),
      isCode("forbidden"),
    );
    const sync = await setDeviceSync(
      { appId, enabled: true, identityId, profileType: "ad-hoc" },
      userActor(admin, context),
    );
    assert.deepEqual(sync, { appId, enabled: true, identityId, profileType: "ad-hoc" });
  });
});

describe("Add my iPhone", () => {
  let firstJobId = "";
  let memberUdid = "";

  it("queues one job per app however often it is asked; members ask only for their own devices", async () => {
    const state = await provisioningStateFor(member, buildId);
    assert.equal(state?.available, true);
    assert.equal(state?.missing.length, 1);
    memberUdid = state?.missing[0]?.udid ?? "";
    const other = await createUser({ email: "other@example.com", role: "member" }, CLI_ACTOR);
    const theirs = await enrolledDevice(other);
    await assert.rejects(
      requestProvisioning({ buildId, deviceIds: [theirs.id] }, userActor(member, context)),
      isCode("forbidden"),
    );
    const job = await requestProvisioning({ buildId }, userActor(member, context));
    const again = await requestProvisioning({ buildId }, userActor(member, context));
    assert.equal(again.id, job.id, "joined the queued job");
    firstJobId = job.id;
    assert.equal((await provisioningStateFor(member, buildId))?.pending.length, 1);
  });

  it("the job registers the device, makes one real profile per bundle, and queues the re-sign as the admin", async () => {
    const result = await runProvisionJob(await claimed(firstJobId));
    assert.deepEqual(result.registered, [memberUdid]);
    const device = fake.devices.find((d) => d.udid === memberUdid);
    assert.equal(device?.name, "member@example.com — iPhone15,2");
    assert.deepEqual(
      ferryProfilesInApple()
        .map((p) => p.name)
        .sort(),
      [`Ferry ${APP} ${firstJobId.slice(0, 8)}`, `Ferry ${WIDGET} ${firstJobId.slice(0, 8)}`],
    );
    for (const p of ferryProfilesInApple()) {
      const info = parseProvisioningProfile(p.content);
      assert.equal(info.envelope, "cms");
      assert.equal(info.type, "ad-hoc");
      assert.deepEqual(info.devices, [memberUdid]);
    }
    // The job's listing of the account is counted too, with the device it registered.
    const [iphones] = await db.query<{ used: number }>("SELECT used FROM asc_device_counts WHERE kind = 'IPHONE'");
    assert.equal(iphones?.used, fake.devices.filter((d) => d.deviceClass === "IPHONE").length);
    const stored = await db.query<{ uuid: string; devices: string[] }>("SELECT uuid, devices FROM signing_profiles");
    assert.equal(stored.length, 2);
    assert.ok(stored.every((s) => s.devices.includes(memberUdid)));
    const resigns = await db.query<{ payload: Record<string, unknown>; created_by_id: string }>(
      `SELECT payload, created_by_id FROM jobs WHERE kind = $1`,
      [RESIGN_JOB_KIND],
    );
    assert.equal(resigns.length, 1);
    assert.equal(resigns[0]?.created_by_id, admin.id, "run as the admin who turned sync on");
    assert.equal(resigns[0]?.payload.buildId, buildId);
    assert.deepEqual(Object.keys(resigns[0]?.payload.profiles as object).sort(), [APP, WIDGET]);
    assert.deepEqual(resigns[0]?.payload.channels, ["beta"]);
    assert.deepEqual((await provisioningStateFor(member, buildId))?.pending, []);
    const audit = await db.query<{ details: { registered: string[] } }>(
      `SELECT details FROM audit_events WHERE action = 'app_store_connect.provision'`,
    );
    assert.deepEqual(audit[0]?.details.registered, [memberUdid]);
  });

  it("the state follows the re-sign it queued; a failed re-sign is the failure, in plain words", async () => {
    const queued = await provisioningStateFor(member, buildId);
    assert.deepEqual(queued?.resign, { buildId, status: "queued", resignedBuildId: null });
    assert.equal(queued?.failure, null);
    const [resign] = await db.query<{ id: string }>(`SELECT id FROM jobs WHERE kind = $1`, [RESIGN_JOB_KIND]);
    const error = { code: "signing_profile_expired", message: "The profile expired on 2026-01-01." };
    await db.query(`UPDATE jobs SET status = 'failed', error = $1::jsonb WHERE id = $2::uuid`, [
      JSON.stringify(error),
      resign?.id,
    ]);
    try {
      const state = await provisioningStateFor(member, buildId);
      assert.equal(state?.job?.status, "queued", "the provision job itself did not fail");
      assert.equal(state?.resign?.status, "failed");
      assert.equal(state?.failure?.code, "signing_profile_expired");
      assert.match(state?.failure?.message ?? "", /re-signing the build failed: The profile expired on 2026-01-01\./);
    } finally {
      await db.query(`UPDATE jobs SET status = 'queued', error = NULL WHERE id = $1::uuid`, [resign?.id]);
    }
  });

  it("run again (a lost lease): no device registered twice, no second Ferry profile, no second re-sign", async () => {
    const devices = fake.devices.length;
    const profiles = fake.profiles.length;
    const result = await runProvisionJob(await claimed(firstJobId));
    assert.deepEqual(result.registered, []);
    assert.equal(fake.devices.length, devices);
    assert.equal(fake.profiles.length, profiles);
    assert.equal((await db.query(`SELECT id FROM jobs WHERE kind = $1`, [RESIGN_JOB_KIND])).length, 1);
  });

  it("the next request waits for the app's minute, replaces only Ferry's profiles and keeps everyone's devices", async () => {
    // A profile someone made by hand in the portal: Ferry never touches it.
    const bundle = fake.bundleIds.find((b) => b.identifier === APP);
    assert.ok(bundle);
    fake.profiles.push({ ...ferryProfilesInApple()[0]!, id: "HANDMADE", name: "Made by hand" });
    await db.query(`UPDATE jobs SET status = 'succeeded' WHERE id = $1::uuid`, [firstJobId]);
    const second = await enrolledDevice(member, "iPad13,1");
    const job = await requestProvisioning({ buildId, deviceIds: [second.id] }, userActor(member, context));
    assert.notEqual(job.id, firstJobId);
    assert.ok(job.runAt.getTime() > Date.now() + 30_000, "batched: at most one regeneration per app per minute");
    await runProvisionJob(await claimed(job.id));
    const names = fake.profiles.map((p) => p.name).sort();
    assert.deepEqual(
      names,
      ["Made by hand", `Ferry ${APP} ${job.id.slice(0, 8)}`, `Ferry ${WIDGET} ${job.id.slice(0, 8)}`].sort(),
    );
    for (const p of ferryProfilesInApple()) {
      assert.deepEqual(parseProvisioningProfile(p.content).devices.sort(), [memberUdid, second.udid].sort());
    }
    await db.query(`UPDATE jobs SET status = 'succeeded' WHERE id = $1::uuid`, [job.id]);
  });

  it("a burst of 20 devices is one job and one regeneration", async () => {
    const users = await Promise.all(
      Array.from({ length: 20 }, (_, i) => createUser({ email: `burst${i}@example.com`, role: "member" }, CLI_ACTOR)),
    );
    for (const u of users) await enrolledDevice(u);
    const jobs = await Promise.all(users.map((u) => requestProvisioning({ buildId }, userActor(u, context))));
    assert.equal(new Set(jobs.map((j) => j.id)).size, 1);
    const created = fake.requests.filter((r) => r.method === "POST" && r.path === "/v1/profiles").length;
    const result = await runProvisionJob(await claimed(jobs[0]!.id));
    assert.equal(result.registered.length, 20);
    assert.equal(fake.requests.filter((r) => r.method === "POST" && r.path === "/v1/profiles").length - created, 2);
    assert.equal(ferryProfilesInApple().length, 2);
    assert.equal(parseProvisioningProfile(ferryProfilesInApple()[0]!.content).devices.length, 22);
    await db.query(`UPDATE jobs SET status = 'succeeded' WHERE kind = $1`, [PROVISION_JOB_KIND]);
  });
});

describe("Add the N missing devices (admins)", () => {
  it("an admin's request takes every active device the build lacks, whoever owns it; disabled ones stay out", async () => {
    const a = await createUser({ email: "missing-a@example.com", role: "member" }, CLI_ACTOR);
    const b = await createUser({ email: "missing-b@example.com", role: "uploader" }, CLI_ACTOR);
    const da = await enrolledDevice(a);
    const db2 = await enrolledDevice(b);
    const off = await enrolledDevice(b);
    await prisma().device.update({ where: { id: off.id }, data: { disabledAt: new Date() } });
    const state = await provisioningStateFor(admin, buildId);
    const missing = new Set(state?.missing.map((m) => m.udid));
    assert.ok(missing.has(da.udid) && missing.has(db2.udid) && !missing.has(off.udid));
    const job = await requestProvisioning({ buildId }, userActor(admin, context));
    const rows = await db.query<{ device_id: string }>(
      `SELECT device_id FROM app_provisioned_devices WHERE provisioned_at IS NULL`,
    );
    const pending = new Set(rows.map((r) => r.device_id));
    assert.ok(pending.has(da.id) && pending.has(db2.id) && !pending.has(off.id));
    await runProvisionJob(await claimed(job.id));
    assert.ok(fake.devices.some((d) => d.udid === da.udid) && fake.devices.some((d) => d.udid === db2.udid));
    assert.ok(!fake.devices.some((d) => d.udid === off.udid), "a disabled device is never registered");
    await db.query(`UPDATE jobs SET status = 'succeeded' WHERE kind = $1`, [PROVISION_JOB_KIND]);
  });
});

describe("refusals", () => {
  async function requestNew(): Promise<{ job: Job; udid: string; user: UserDto }> {
    const user = await createUser({ email: `r${udidCounter}@example.com`, role: "member" }, CLI_ACTOR);
    const device = await enrolledDevice(user);
    const job = await requestProvisioning({ buildId }, userActor(user, context));
    return { job: await claimed(job.id), udid: device.udid, user };
  }
  async function finish(job: Job) {
    await db.query(`UPDATE jobs SET status = 'succeeded' WHERE id = $1::uuid`, [job.id]);
  }

  it("429: retried after Retry-After, the device registered once", async () => {
    const { job, udid } = await requestNew();
    fake.throttle("POST", "/v1/devices", 1, 1);
    await runProvisionJob(job);
    assert.equal(fake.devices.filter((d) => d.udid === udid).length, 1);
    assert.ok(fake.requests.some((r) => r.status === 429));
    assert.equal(ferryProfilesInApple().length, 2);
    await finish(job);
  });

  it("near Apple's yearly limit the count shows; at it the request is refused before any job", async () => {
    const user = await createUser({ email: "limit@example.com", role: "member" }, CLI_ACTOR);
    const device = await enrolledDevice(user);
    const setUsed = (kind: string, used: number) =>
      db.query("UPDATE asc_device_counts SET used = $1 WHERE kind = $2", [used, kind]);
    const [before] = await db.query<{ used: number }>("SELECT used FROM asc_device_counts WHERE kind = 'IPHONE'");
    try {
      await setUsed("IPHONE", 89);
      assert.equal((await provisioningStateFor(user, buildId))?.deviceLimit, null, "far from the limit: nothing shown");
      await setUsed("IPHONE", 97);
      const near = await provisioningStateFor(user, buildId);
      assert.equal(near?.deviceLimit?.reached, false);
      assert.match(near?.deviceLimit?.message ?? "", /^97 of 100 iPhone devices are registered/);
      // Another kind at its limit says nothing about an iPhone.
      await setUsed("IPHONE", 10);
      await setUsed("IPAD", 100);
      assert.equal((await provisioningStateFor(user, buildId))?.deviceLimit, null);
      await setUsed("IPHONE", 100);
      const full = await provisioningStateFor(user, buildId);
      assert.equal(full?.deviceLimit?.reached, true);
      assert.deepEqual(full?.deviceLimit?.deviceIds, [device.id]);
      assert.match(full?.deviceLimit?.message ?? "", /^Apple's yearly device limit is reached: 100 of 100 iPhone/);
      const jobs = async () => (await db.query(`SELECT id FROM jobs WHERE kind = $1`, [PROVISION_JOB_KIND])).length;
      const queued = await jobs();
      await assert.rejects(
        requestProvisioning({ buildId }, userActor(user, context)),
        isCode("asc_device_limit", /100 of 100 iPhone devices/),
      );
      await assert.rejects(
        requestProvisioning({ buildId, deviceIds: [device.id] }, userActor(user, context)),
        isCode("asc_device_limit"),
      );
      assert.equal(await jobs(), queued, "no job queued");
      assert.equal(
        (await db.query(`SELECT 1 FROM app_provisioned_devices WHERE device_id = $1::uuid`, [device.id])).length,
        0,
      );
      // A device Apple already knows takes no new place: it is added at the limit.
      await db.query(`INSERT INTO asc_devices (udid, asc_id, registered_by_ferry) VALUES ($1, 'KNOWN', false)`, [
        device.udid,
      ]);
      assert.equal((await provisioningStateFor(user, buildId))?.deviceLimit?.reached, false);
      const job = await requestProvisioning({ buildId }, userActor(user, context));
      assert.ok(job.id);
    } finally {
      await setUsed("IPHONE", before?.used ?? 0);
      await setUsed("IPAD", 0);
      await db.query("DELETE FROM asc_devices WHERE asc_id = 'KNOWN'");
      await db.query("DELETE FROM app_provisioned_devices WHERE device_id = $1::uuid", [device.id]);
      await db.query(`UPDATE jobs SET status = 'succeeded' WHERE kind = $1 AND status = 'queued'`, [
        PROVISION_JOB_KIND,
      ]);
    }
  });

  it("the yearly device limit: Apple's detail, nothing registered, audited, said plainly on the page", async () => {
    const { job, udid, user } = await requestNew();
    fake.deviceLimit = fake.devices.filter((d) => d.deviceClass === "IPHONE").length;
    let refused: unknown;
    try {
      await assert.rejects(
        runProvisionJob(job).catch((error) => {
          refused = error;
          throw error;
        }),
        isCode("asc_device_limit", /maximum number of registered iPhone devices/),
      );
    } finally {
      fake.deviceLimit = 100;
    }
    // What the worker stores when the job fails for good (a 409 is not retried).
    assert.equal(isRetryable(refused), false);
    await db.query(`UPDATE jobs SET status = 'failed', error = $1::jsonb WHERE id = $2::uuid`, [
      JSON.stringify(publicJobError(refused)),
      job.id,
    ]);
    const state = await provisioningStateFor(user, buildId);
    assert.equal(state?.failure?.code, "asc_device_limit");
    assert.match(
      state?.failure?.message ?? "",
      /^Apple's yearly device limit is reached: .* at most 100 devices of each kind/,
    );
    assert.match(state?.failure?.message ?? "", /Apple said: .*maximum number of registered iPhone devices/);
    assert.ok(!fake.devices.some((d) => d.udid === udid));
    const failed = await db.query<{ details: { code: string; message: string } }>(
      `SELECT details FROM audit_events WHERE action = 'app_store_connect.provision_failed' ORDER BY at DESC LIMIT 1`,
    );
    assert.equal(failed[0]?.details.code, "asc_device_limit");
    assert.match(failed[0]?.details.message ?? "", /maximum number/);
    await finish(job);
  });

  it("a key without the role, an unknown bundle id, a certificate not in the account", async () => {
    const { job } = await requestNew();
    fake.role = "DEVELOPER";
    await assert.rejects(runProvisionJob(job), isCode("asc_forbidden", /Admin or App Manager/));
    fake.role = "ADMIN";
    const widget = fake.bundleIds.findIndex((b) => b.identifier === WIDGET);
    const [removed] = fake.bundleIds.splice(widget, 1);
    await assert.rejects(
      runProvisionJob(job),
      isCode("asc_bundle_id_unknown", /com\.ferry\.sync\.widget is not registered/),
    );
    fake.bundleIds.push(removed!);
    const certs = fake.certificates.splice(0);
    await assert.rejects(runProvisionJob(job), isCode("asc_certificate_unknown"));
    fake.certificates.push(...certs);
    assert.equal(ferryProfilesInApple().length, 2, "no refusal left a profile behind");
    // Once Apple agrees, the same job completes.
    await runProvisionJob(job);
    assert.equal(ferryProfilesInApple().length, 2);
    await finish(job);
  });
});

describe("an older build of a channel", () => {
  it("leads to the channel's newest build when it lists the device, instead of a fresh request", async () => {
    const user = await createUser({ email: "older@example.com", role: "member" }, CLI_ACTOR);
    const device = await enrolledDevice(user);
    const other = await enrolledDevice(user, "iPad13,1");
    assert.deepEqual((await provisioningStateFor(user, buildId))?.newer, null, "no newer build yet");
    // The channel's newest: re-signed from the older one, listing the iPhone (not the iPad).
    const newest = await seedBuild(db.dataDir, {
      bundleId: APP,
      label: "1.1",
      uploadedById: admin.id,
      channel: "beta",
    });
    await db.query(`UPDATE builds SET metadata = $1::jsonb, resigned_from_id = $2::uuid WHERE id = $3::uuid`, [
      JSON.stringify({ ipa: {}, profile: { type: "ad-hoc", devices: [device.udid], provisionsAllDevices: false } }),
      buildId,
      newest.id,
    ]);
    const state = await provisioningStateFor(user, buildId);
    assert.deepEqual(state?.newer, {
      buildId: newest.id,
      label: "1.1 (1.1)",
      channel: "beta",
      resigned: true,
      deviceIds: [device.id],
    });
    // Still missing here (the API says so), but the iPad alone is left to ask for.
    assert.ok(state?.missing.some((m) => m.id === device.id) && state.missing.some((m) => m.id === other.id));
    // The newest build itself leads nowhere else; an uploaded (not re-signed) newest is named as such.
    assert.equal((await provisioningStateFor(user, newest.id))?.newer, null);
    await db.query(`UPDATE builds SET resigned_from_id = NULL WHERE id = $1::uuid`, [newest.id]);
    assert.equal((await provisioningStateFor(user, buildId))?.newer?.resigned, false);
    // Once the newest no longer lists it, the older build offers the request again.
    await db.query(`UPDATE builds SET metadata = '{}'::jsonb WHERE id = $1::uuid`, [newest.id]);
    assert.equal((await provisioningStateFor(user, buildId))?.newer, null);
  });
});
