/** Domain tests: enrollment challenges, registration from a signed device answer, ownership, admin changes, coverage. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { build as buildPlist } from "plist";
import { type Actor, CLI_ACTOR, userActor } from "@/lib/access/actor";
import { makeEnvelope, makeSigner } from "@/lib/analysis/profile/cms-test-helpers";
import { parseProvisioningProfile } from "@/lib/analysis/profile/parse-profile";
import type { BuildDto } from "@/lib/builds/data";
import { coverageOf, deviceBlocker, listAllDevices } from "@/lib/devices/data";
import {
  createEnrollmentChallenge,
  ENROLLMENT_TTL_SECONDS,
  MAX_LIVE_ENROLLMENTS_PER_USER,
} from "@/lib/devices/enrollment";
import {
  deleteDevice,
  disableDevice,
  importDevices,
  reassignDevice,
  registerDevice,
  renameDevice,
} from "@/lib/devices/mutations";
import { parseDeviceResponse } from "@/lib/devices/profile-service";
import { AppError } from "@/lib/errors";
import { SWEEP_HANDLERS } from "@/lib/jobs/handlers";
import { enqueueJob, findJob } from "@/lib/jobs/jobs";
import { createJobWorker } from "@/lib/jobs/worker";
import { createUser } from "@/lib/users/mutations";
import { signPost, testDeviceIdentityCa } from "@/tests/helpers/device-identity";
import { useDomainDatabase } from "@/tests/helpers/domain-database";

const VICTIM = "00008030-000AAAAAAAAAAAAA";
const context = { ip: "203.0.113.9", userAgent: "iOS/17.5 domain-test" };
const T0 = new Date("2026-03-01T10:00:00Z");
/** A self-signed key: its signature holds, but it is nobody's device. */
const signer = makeSigner("rsa");
const pki = testDeviceIdentityCa();
/** A device identity under the test root, which this process trusts (CODESIGN_EXTRA_ROOTS). */
const iphone = pki.newDevice();
process.env.CODESIGN_EXTRA_ROOTS = pki.root.pem;

let db: Awaited<ReturnType<typeof useDomainDatabase>>;
let admin: Actor;
let member: Actor;
let memberId: string;
let other: Actor;

before(async () => {
  db = await useDomainDatabase();
  admin = userActor(await createUser({ email: "admin@example.com", role: "admin" }, CLI_ACTOR), context);
  const m = await createUser({ email: "member@example.com", role: "member" }, CLI_ACTOR);
  memberId = m.id;
  member = userActor(m, context);
  other = userActor(await createUser({ email: "other@example.com", role: "member" }, CLI_ACTOR), context);
});
after(async () => db?.cleanup());

function actorId(actor: Actor): string {
  assert.equal(actor.kind, "user");
  return actor.kind === "user" ? actor.user.id : "";
}

function rejectsWith(code: string) {
  return (error: unknown) => error instanceof AppError && error.code === code;
}

function deviceAnswer(challenge: string, udid: string, extra: Record<string, string> = {}): Buffer {
  const xml = buildPlist({ UDID: udid, CHALLENGE: challenge, PRODUCT: "iPhone15,2", VERSION: "21F90", ...extra });
  return signPost(xml, iphone);
}

async function deviceCount(): Promise<number> {
  const [row] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM devices");
  return row?.n ?? -1;
}

describe("enrollment challenge lifecycle", () => {
  it("a fresh challenge registers the device for its user, once, and is audited", async () => {
    const { challenge, expiresAt } = await createEnrollmentChallenge({ id: memberId }, T0);
    assert.equal(expiresAt.getTime() - T0.getTime(), ENROLLMENT_TTL_SECONDS * 1000);
    const answer = parseDeviceResponse(
      deviceAnswer(challenge, "00008030-001a35e11234802e", { DEVICE_NAME: "Jane's iPhone" }),
    );
    const device = await registerDevice(answer, context, new Date(T0.getTime() + 60_000));
    assert.equal(device.udid, "00008030-001A35E11234802E");
    assert.equal(device.owner?.email, "member@example.com");
    assert.equal(device.model, "iPhone15,2");
    assert.equal(device.name, "Jane's iPhone");
    const audit = await db.query<{ actor_email: string; ip: string }>(
      "SELECT actor_email, ip FROM audit_events WHERE action = 'device.register' AND target_id = $1",
      [device.id],
    );
    assert.deepEqual(audit, [{ actor_email: "member@example.com", ip: "203.0.113.9" }]);
    // Replay: the same challenge again stores nothing more.
    const before = await deviceCount();
    await assert.rejects(
      registerDevice(
        parseDeviceResponse(deviceAnswer(challenge, "1111111111111111111111111111111111111111")),
        context,
        T0,
      ),
      rejectsWith("enrollment_challenge_used"),
    );
    assert.equal(await deviceCount(), before);
  });

  it("expired and unknown challenges store nothing (fixed clock)", async () => {
    const { challenge } = await createEnrollmentChallenge({ id: memberId }, T0);
    const before = await deviceCount();
    const late = new Date(T0.getTime() + ENROLLMENT_TTL_SECONDS * 1000);
    await assert.rejects(
      registerDevice(
        parseDeviceResponse(deviceAnswer(challenge, "2222222222222222222222222222222222222222")),
        context,
        late,
      ),
      rejectsWith("enrollment_challenge_expired"),
    );
    await assert.rejects(
      registerDevice(
        parseDeviceResponse(deviceAnswer("made-up", "2222222222222222222222222222222222222222")),
        context,
        T0,
      ),
      rejectsWith("enrollment_challenge_invalid"),
    );
    assert.equal(await deviceCount(), before);
    // Just before expiry it still works.
    await registerDevice(
      parseDeviceResponse(deviceAnswer(challenge, "2222222222222222222222222222222222222222")),
      context,
      new Date(late.getTime() - 1),
    );
    assert.equal(await deviceCount(), before + 1);
  });

  it("unsigned, tampered and malformed answers are refused before any challenge is used", async () => {
    const { challenge } = await createEnrollmentChallenge({ id: memberId }, T0);
    const xml = Buffer.from(buildPlist({ UDID: "3333333333333333333333333333333333333333", CHALLENGE: challenge }));
    assert.throws(() => parseDeviceResponse(xml), rejectsWith("unsigned_device_response"));
    const forged = Buffer.from(buildPlist({ UDID: "4444444444444444444444444444444444444444", CHALLENGE: challenge }));
    assert.throws(
      () => parseDeviceResponse(makeEnvelope(xml, signer, { replaceContent: forged })),
      rejectsWith("device_signature_invalid"),
    );
    assert.throws(
      () => parseDeviceResponse(Buffer.from([0x30, 0x03, 1, 2, 3])),
      rejectsWith("malformed_device_response"),
    );
    assert.throws(() => parseDeviceResponse(Buffer.alloc(70_000, 0x30)), rejectsWith("payload_too_large"));
    // Validly signed by a key nobody certified as a device (CODESIGN_EXTRA_ROOTS names only the test root).
    const selfSigned = makeEnvelope(Buffer.from(buildPlist({ UDID: VICTIM, CHALLENGE: challenge })), signer, {
      sid: "issuerSerial",
    });
    assert.throws(() => parseDeviceResponse(selfSigned), rejectsWith("device_certificate_untrusted"));
    const rows = await db.query("SELECT 1 FROM device_enrollments WHERE used_at IS NULL");
    assert.ok(rows.length >= 1);
  });
});

describe("device changes", () => {
  it("owners rename and delete their own; others get not_found; disable is admin-only; all audited", async () => {
    const { challenge } = await createEnrollmentChallenge({ id: memberId }, T0);
    const device = await registerDevice(
      parseDeviceResponse(deviceAnswer(challenge, "5555555555555555555555555555555555555555")),
      context,
      T0,
    );
    await assert.rejects(renameDevice({ deviceId: device.id, name: "Mine now" }, other), rejectsWith("not_found"));
    await assert.rejects(disableDevice({ deviceId: device.id }, member), rejectsWith("forbidden"));
    assert.equal((await renameDevice({ deviceId: device.id, name: "Work phone" }, member)).name, "Work phone");
    assert.equal(await disableDevice({ deviceId: device.id }, admin), true);
    assert.equal(await disableDevice({ deviceId: device.id }, admin), false);
    await assert.rejects(deleteDevice({ deviceId: device.id }, other), rejectsWith("not_found"));
    await deleteDevice({ deviceId: device.id }, admin);
    const actions = await db.query<{ action: string }>(
      "SELECT action FROM audit_events WHERE target_id = $1 ORDER BY id",
      [device.id],
    );
    assert.deepEqual(
      actions.map((a) => a.action),
      ["device.register", "device.rename", "device.disable", "device.delete"],
    );
  });

  it("import: Apple's format, all or nothing, admin-only, existing UDIDs kept", async () => {
    const list = "Device ID\tDevice Name\tDevice Platform\n6666666666666666666666666666666666666666\tLab iPad\tios\n";
    await assert.rejects(importDevices(list, member), rejectsWith("forbidden"));
    const before = await deviceCount();
    await assert.rejects(importDevices(`${list}not-a-udid\tX\tios\n`, admin), rejectsWith("bad_request"));
    assert.equal(await deviceCount(), before);
    assert.deepEqual(await importDevices(list, admin), { added: 1, existing: 0 });
    assert.deepEqual(await importDevices(list, admin), { added: 0, existing: 1 });
    const imported = (await listAllDevices(CLI_ACTOR)).find(
      (d) => d.udid === "6666666666666666666666666666666666666666",
    );
    assert.equal(imported?.name, "Lab iPad");
    assert.equal(imported?.owner, null);
  });
});

describe("ownership: a registered device never moves by itself", () => {
  it("another user's post naming it is refused and audited; the owner re-registers; an admin moves it", async () => {
    const owned = await registerDevice(
      parseDeviceResponse(deviceAnswer((await createEnrollmentChallenge({ id: memberId })).challenge, VICTIM)),
      context,
    );
    assert.equal(owned.owner?.email, "member@example.com");
    const otherId = actorId(other);
    // The outsider's own challenge, a genuine device signature (a jailbroken phone can sign any UDID).
    const { challenge } = await createEnrollmentChallenge({ id: otherId });
    await assert.rejects(
      registerDevice(parseDeviceResponse(deviceAnswer(challenge, VICTIM, { DEVICE_NAME: "pwned" })), context),
      (error) => error instanceof AppError && error.code === "device_owned_by_another_user" && error.status === 409,
    );
    const [row] = await db.query<{ email: string; name: string | null }>(
      "SELECT u.email, d.name FROM devices d JOIN users u ON u.id = d.user_id WHERE d.udid = $1",
      [VICTIM],
    );
    assert.deepEqual(row, { email: "member@example.com", name: null });
    const refused = await db.query<{ actor_email: string; details: { udid: string; owner: string } }>(
      "SELECT actor_email, details FROM audit_events WHERE action = 'device.register_refused' AND target_id = $1",
      [owned.id],
    );
    assert.equal(refused.length, 1);
    assert.equal(refused[0]?.actor_email, "other@example.com");
    assert.equal(refused[0]?.details.owner, "member@example.com");
    // The refused post did not use up the outsider's challenge.
    const unused = await db.query("SELECT 1 FROM device_enrollments WHERE user_id = $1 AND used_at IS NULL", [otherId]);
    assert.ok(unused.length >= 1);

    // The owner re-registers (new name) as before.
    const again = await registerDevice(
      parseDeviceResponse(
        deviceAnswer((await createEnrollmentChallenge({ id: memberId })).challenge, VICTIM, { DEVICE_NAME: "Jane" }),
      ),
      context,
    );
    assert.equal(again.id, owned.id);
    assert.equal(again.name, "Jane");
    assert.equal(again.owner?.email, "member@example.com");

    // Only an admin moves it; then the new owner's post works.
    await assert.rejects(
      reassignDevice({ deviceId: owned.id, email: "other@example.com" }, member),
      rejectsWith("forbidden"),
    );
    await assert.rejects(
      reassignDevice({ deviceId: owned.id, email: "nobody@example.com" }, admin),
      rejectsWith("bad_request"),
    );
    const moved = await reassignDevice({ deviceId: owned.id, email: "other@example.com" }, admin);
    assert.equal(moved.owner?.email, "other@example.com");
    const audit = await db.query<{ details: { from: string; to: string } }>(
      "SELECT details FROM audit_events WHERE action = 'device.reassign' AND target_id = $1",
      [owned.id],
    );
    assert.deepEqual(
      audit.map((a) => [a.details.from, a.details.to]),
      [["member@example.com", "other@example.com"]],
    );
    const mine = await registerDevice(parseDeviceResponse(deviceAnswer(challenge, VICTIM)), context);
    assert.equal(mine.owner?.email, "other@example.com");
  });

  it("a device an admin imported (no owner) is claimed by the first registration", async () => {
    const udid = "8888888888888888888888888888888888888888";
    await importDevices(`${udid}\tLab phone\tios\n`, admin);
    const { challenge } = await createEnrollmentChallenge({ id: memberId });
    const claimed = await registerDevice(parseDeviceResponse(deviceAnswer(challenge, udid)), context);
    assert.equal(claimed.owner?.email, "member@example.com");
  });
});

describe("device text is stripped of control characters", () => {
  it("names from the device, a rename and an import are stored without them (NUL made PostgreSQL refuse the row)", async () => {
    const udid = "9999999999999999999999999999999999999999";
    const { challenge } = await createEnrollmentChallenge({ id: memberId });
    // iOS's plist parser, like Ferry's, takes character references the XML builder would refuse to write.
    const xml = buildPlist({
      UDID: udid,
      CHALLENGE: challenge,
      DEVICE_NAME: "Jane[NUL]'s[BEL] iPhone\n\tX",
      PRODUCT: "iPhone[ESC]15,2",
    })
      .replace("[NUL]", "&#0;")
      .replace("[BEL]", "&#7;")
      .replace("[ESC]", "&#x1b;");
    const parsed = parseDeviceResponse(signPost(xml, iphone));
    assert.equal(parsed.attributes.name, "Jane\u0000's\u0007 iPhone\n\tX");
    const device = await registerDevice(parsed, context);
    assert.equal(device.name, "Jane's iPhone X");
    assert.equal(device.model, "iPhone15,2");
    const [row] = await db.query<{ name: string }>("SELECT name FROM devices WHERE udid = $1", [udid]);
    assert.equal(row?.name, "Jane's iPhone X");
    assert.equal(
      (await renameDevice({ deviceId: device.id, name: "Work\u0000 phone\u0085" }, member)).name,
      "Work phone",
    );
    await assert.rejects(
      renameDevice({ deviceId: device.id, name: "\u0000\u0001" }, member),
      rejectsWith("bad_request"),
    );
    const imported = "7777777777777777777777777777777777777771";
    await importDevices(`${imported}\tLab\u0000 iPad\tios\n`, admin);
    assert.equal((await listAllDevices(CLI_ACTOR)).find((d) => d.udid === imported)?.name, "Lab iPad");
  });
});

describe("enrollment challenges are bounded", () => {
  async function liveCount(userId: string, at: Date): Promise<number> {
    const [row] = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM device_enrollments WHERE user_id = $1 AND used_at IS NULL AND expires_at > $2",
      [userId, at],
    );
    return row?.n ?? -1;
  }

  it(`a user holds at most ${MAX_LIVE_ENROLLMENTS_PER_USER} live challenges: the newest are kept`, async () => {
    const start = new Date(Date.now() + 3600_000);
    const issued: string[] = [];
    for (let i = 0; i < MAX_LIVE_ENROLLMENTS_PER_USER + 20; i++) {
      issued.push((await createEnrollmentChallenge({ id: memberId }, new Date(start.getTime() + i * 1000))).challenge);
    }
    const at = new Date(start.getTime() + issued.length * 1000);
    assert.equal(await liveCount(memberId, at), MAX_LIVE_ENROLLMENTS_PER_USER);
    // The oldest is gone; the newest still registers.
    await assert.rejects(
      registerDevice(parseDeviceResponse(deviceAnswer(issued[0]!, VICTIM)), context, at),
      rejectsWith("enrollment_challenge_invalid"),
    );
    const newest = issued.at(-1)!;
    await registerDevice(
      parseDeviceResponse(deviceAnswer(newest, "1212121212121212121212121212121212121212")),
      context,
      at,
    );
    // Concurrent downloads do not overshoot the cap.
    await Promise.all(
      Array.from({ length: 12 }, () => createEnrollmentChallenge({ id: memberId }, new Date(at.getTime() + 1000))),
    );
    assert.equal(await liveCount(memberId, at), MAX_LIVE_ENROLLMENTS_PER_USER);
  });

  it("expired challenges are deleted when a new one is issued, and by the periodic sweep", async () => {
    const past = new Date(Date.now() - 2 * 3600_000);
    for (let i = 0; i < 3; i++) await createEnrollmentChallenge({ id: actorId(other) }, past);
    const expiredRows = () => db.query("SELECT 1 FROM device_enrollments WHERE expires_at <= now()");
    assert.equal((await expiredRows()).length >= 3, true);
    await createEnrollmentChallenge({ id: memberId });
    assert.equal((await expiredRows()).length, 0);

    for (let i = 0; i < 3; i++) await createEnrollmentChallenge({ id: actorId(other) }, past);
    // The history sweep as it runs in production: a job claimed by the worker, its counts kept as its result.
    const queued = await enqueueJob({ kind: "sweep.history", payload: {} });
    const worker = createJobWorker({ handlers: SWEEP_HANDLERS, log: () => {} });
    assert.equal(await worker.tick(), 1);
    await worker.settled();
    const swept = await findJob(queued.id);
    assert.equal(swept?.status, "succeeded", JSON.stringify(swept?.error));
    assert.equal(swept?.result?.enrollments, 3);
    assert.equal((await expiredRows()).length, 0);
  });
});

describe("coverage against generated profiles", () => {
  // The same profile shapes as Xcode's (signed, ProvisionedDevices or ProvisionsAllDevices); real ones: coverage.corpus.test.ts.
  const profileBytes = (extra: Record<string, unknown>): Buffer =>
    makeEnvelope(
      Buffer.from(
        buildPlist({
          Name: "Generated",
          UUID: "00000000-0000-4000-8000-000000000002",
          TeamName: "Example Corp",
          TeamIdentifier: ["TEST123456"],
          CreationDate: new Date("2026-01-01T00:00:00Z"),
          ExpirationDate: new Date("2027-01-01T00:00:00Z"),
          Platform: ["iOS"],
          Entitlements: { "application-identifier": "TEST123456.com.example.app" },
          ...extra,
        } as Parameters<typeof buildPlist>[0]),
      ),
      signer,
    );
  for (const [label, extra] of [
    ["ad hoc", { ProvisionedDevices: ["00008030-000000000000001E", "00008030-000000000000002E"] }],
    [
      "development",
      {
        ProvisionedDevices: ["00008030-000000000000001E"],
        Entitlements: { "application-identifier": "TEST123456.com.example.app", "get-task-allow": true },
      },
    ],
  ] as const) {
    it(`${label}: the listed device is included, another is missing, the blocker says so`, () => {
      const profile = parseProvisioningProfile(profileBytes(extra), T0);
      const listed = profile.devices[0];
      assert.ok(listed);
      const build = { analysis: { profile }, uploadedBy: "uploader@example.com" } as unknown as BuildDto;
      const dto = (udid: string, name: string) => ({
        id: name,
        udid,
        name,
        model: "iPhone15,2",
        osVersion: null,
        serial: null,
        source: "profile",
        disabled: false,
        createdAt: T0.toISOString(),
        owner: { id: "u", email: "member@example.com" },
      });
      const coverage = coverageOf(build, [dto(listed, "in"), dto("7777777777777777777777777777777777777777", "out")]);
      assert.deepEqual(
        coverage?.included.map((e) => e.name),
        ["in"],
      );
      assert.deepEqual(
        coverage?.missing.map((e) => e.name),
        ["out"],
      );
      assert.equal(deviceBlocker(build, { udid: listed, name: "in" }), null);
      const blocked = deviceBlocker(build, { udid: "7777777777777777777777777777777777777777", name: "out" });
      assert.equal(blocked?.code, "device_not_in_profile");
      // Facts only: who to ask is said once by the page, not in every blocker.
      assert.match(blocked?.message ?? "", /not in this build's profile \(UDID 7{40}\)/);
      assert.doesNotMatch(blocked?.message ?? "", /ask/i);
      assert.equal(deviceBlocker(build, null), null);
    });
  }

  it("enterprise and App Store profiles have no coverage", () => {
    for (const extra of [{ ProvisionsAllDevices: true }, {}]) {
      const profile = parseProvisioningProfile(profileBytes(extra), T0);
      const build = { analysis: { profile }, uploadedBy: null } as unknown as BuildDto;
      assert.equal(coverageOf(build, []), null);
      assert.equal(deviceBlocker(build, { udid: "7777777777777777777777777777777777777777", name: null }), null);
    }
  });
});
