/** Domain tests: enrollment challenges, registration from a signed device answer, admin changes, coverage. */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { build as buildPlist } from "plist";
import { type Actor, CLI_ACTOR, userActor } from "@/lib/access/actor";
import { makeEnvelope, makeSigner } from "@/lib/analysis/profile/cms-test-helpers";
import { parseProvisioningProfile } from "@/lib/analysis/profile/parse-profile";
import type { BuildDto } from "@/lib/builds/data";
import { coverageOf, deviceBlocker, listAllDevices } from "@/lib/devices/data";
import { createEnrollmentChallenge, ENROLLMENT_TTL_SECONDS } from "@/lib/devices/enrollment";
import { deleteDevice, disableDevice, importDevices, registerDevice, renameDevice } from "@/lib/devices/mutations";
import { parseDeviceResponse } from "@/lib/devices/profile-service";
import { AppError } from "@/lib/errors";
import { createUser } from "@/lib/users/mutations";
import { useDomainDatabase } from "@/tests/helpers/domain-database";

const FIXTURES = path.resolve(import.meta.dirname, "../../../shared/fixtures");
const context = { ip: "203.0.113.9", userAgent: "iOS/17.5 domain-test" };
const T0 = new Date("2026-03-01T10:00:00Z");
const signer = makeSigner("rsa");

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

function rejectsWith(code: string) {
  return (error: unknown) => error instanceof AppError && error.code === code;
}

function deviceAnswer(challenge: string, udid: string, extra: Record<string, string> = {}): Buffer {
  const xml = buildPlist({ UDID: udid, CHALLENGE: challenge, PRODUCT: "iPhone15,2", VERSION: "21F90", ...extra });
  return makeEnvelope(Buffer.from(xml), signer, { sid: "issuerSerial" });
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
    const imported = (await listAllDevices()).find((d) => d.udid === "6666666666666666666666666666666666666666");
    assert.equal(imported?.name, "Lab iPad");
    assert.equal(imported?.owner, null);
  });
});

describe("coverage against real profiles", () => {
  for (const file of ["app_info--ios_adhoc.mobileprovision", "app_info--ios_development.mobileprovision"]) {
    it(`${file}: the listed device is included, another is missing, the blocker says so`, () => {
      const profile = parseProvisioningProfile(fs.readFileSync(path.join(FIXTURES, "profiles", file)), T0);
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
      assert.match(blocked?.message ?? "", /ask uploader@example\.com to add it/);
      assert.equal(deviceBlocker(build, null), null);
    });
  }

  it("enterprise and App Store profiles have no coverage", () => {
    const profile = parseProvisioningProfile(
      fs.readFileSync(path.join(FIXTURES, "profiles", "app_info--ios_appstore.mobileprovision")),
      T0,
    );
    const build = { analysis: { profile }, uploadedBy: null } as unknown as BuildDto;
    assert.equal(coverageOf(build, []), null);
    assert.equal(deviceBlocker(build, { udid: "7777777777777777777777777777777777777777", name: null }), null);
  });
});
