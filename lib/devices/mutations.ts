import { type Actor, actorIsAdmin, actorUserId, assertAdmin } from "@/lib/access/actor";
import { type AuditContext, recordChange } from "@/lib/audit/audit";
import { prisma } from "@/lib/db/client";
import { type DeviceDto, deviceSelect, findDeviceById, toDeviceDto } from "@/lib/devices/data";
import { hashChallenge } from "@/lib/devices/enrollment";
import type { DeviceResponse } from "@/lib/devices/profile-service";
import { deviceAttributesSchema, deviceIdSchema, normalizeUdid, renameDeviceSchema } from "@/lib/devices/schema";
import { AppError, parseInput } from "@/lib/errors";
import { findUserById } from "@/lib/users/data";

/**
 * Changes to registered devices. Registration comes from the device itself
 * (the challenge names the user); the rest from admins, or owners for their
 * own devices (rename, delete).
 */

/**
 * Stores the device a verified profile-service post describes, for the user
 * its challenge was issued to, and uses the challenge up. Unknown, used or
 * expired challenges store nothing. A UDID registered before moves to this
 * user (the device changed hands) but stays disabled if an admin disabled it.
 */
export async function registerDevice(
  response: DeviceResponse,
  context: AuditContext,
  now = new Date(),
): Promise<DeviceDto> {
  const attributes = parseInput(deviceAttributesSchema, response.attributes);
  const hash = hashChallenge(response.challenge);
  const { device, user } = await prisma().$transaction(async (tx) => {
    const enrollment = await tx.deviceEnrollment.findUnique({ where: { challengeHash: hash } });
    if (!enrollment) {
      throw new AppError(
        "enrollment_challenge_invalid",
        "This registration profile was not issued by this server: download a new one from the Devices page.",
      );
    }
    if (enrollment.usedAt) {
      throw new AppError(
        "enrollment_challenge_used",
        "This registration profile was used already: download a new one from the Devices page.",
      );
    }
    if (enrollment.expiresAt.getTime() <= now.getTime()) {
      throw new AppError(
        "enrollment_challenge_expired",
        "This registration profile has expired: download a new one from the Devices page.",
      );
    }
    // Conditional update: of two concurrent posts with one challenge, one wins.
    const claimed = await tx.deviceEnrollment.updateMany({
      where: { challengeHash: hash, usedAt: null },
      data: { usedAt: now },
    });
    if (claimed.count !== 1) {
      throw new AppError("enrollment_challenge_used", "This registration profile was used already.");
    }
    const owner = await tx.user.findFirst({
      where: { id: enrollment.userId, disabledAt: null },
      select: { id: true, email: true },
    });
    if (!owner)
      throw new AppError("enrollment_challenge_invalid", "The account this profile was issued to is disabled.");
    const fields = {
      name: attributes.name,
      model: attributes.model,
      osVersion: attributes.osVersion,
      serial: attributes.serial,
      imei: attributes.imei,
      source: "profile",
      userId: owner.id,
    };
    const row = await tx.device.upsert({
      where: { udid: attributes.udid },
      create: { udid: attributes.udid, ...fields },
      update: fields,
      select: deviceSelect,
    });
    return { device: toDeviceDto(row), user: owner };
  });
  const actorUser = await findUserById(user.id);
  if (actorUser) {
    await recordChange(
      { kind: "user", user: actorUser, context },
      {
        action: "device.register",
        target: { type: "device", id: device.id },
        details: { udid: device.udid, model: device.model, osVersion: device.osVersion, name: device.name },
      },
    );
  }
  return device;
}

async function existingDevice(id: string): Promise<DeviceDto> {
  const device = await findDeviceById(id);
  if (!device) throw new AppError("not_found", "This device no longer exists: reload the page.");
  return device;
}

/** Admins manage every device; a user manages only their own (the same "not found" for others' keeps ids private). */
async function manageableDevice(id: string, by: Actor): Promise<DeviceDto> {
  const device = await existingDevice(id);
  if (actorIsAdmin(by)) return device;
  const userId = actorUserId(by);
  if (!userId || device.owner?.id !== userId || (by.kind === "user" && by.user.disabled)) {
    throw new AppError("not_found", "This device no longer exists: reload the page.");
  }
  return device;
}

export async function renameDevice(input: { deviceId: string; name: string }, by: Actor): Promise<DeviceDto> {
  const { deviceId, name } = parseInput(renameDeviceSchema, input);
  const device = await manageableDevice(deviceId, by);
  if (device.name === name) return device;
  await prisma().device.update({ where: { id: device.id }, data: { name } });
  await recordChange(by, {
    action: "device.rename",
    target: { type: "device", id: device.id },
    details: { udid: device.udid, from: device.name, to: name },
  });
  return { ...device, name };
}

async function setDisabled(deviceId: string, disabled: boolean, by: Actor, now: Date): Promise<boolean> {
  assertAdmin(by);
  const device = await existingDevice(parseInput(deviceIdSchema, { deviceId }).deviceId);
  if (device.disabled === disabled) return false;
  await prisma().device.update({ where: { id: device.id }, data: { disabledAt: disabled ? now : null } });
  await recordChange(by, {
    action: disabled ? "device.disable" : "device.enable",
    target: { type: "device", id: device.id },
    details: { udid: device.udid, owner: device.owner?.email ?? null },
  });
  return true;
}

/** A disabled device no longer counts in coverage or exports. Admin-only. */
export async function disableDevice(input: { deviceId: string }, by: Actor, now = new Date()): Promise<boolean> {
  return setDisabled(input.deviceId, true, by, now);
}

export async function enableDevice(input: { deviceId: string }, by: Actor, now = new Date()): Promise<boolean> {
  return setDisabled(input.deviceId, false, by, now);
}

export async function deleteDevice(input: { deviceId: string }, by: Actor): Promise<void> {
  const { deviceId } = parseInput(deviceIdSchema, input);
  const device = await manageableDevice(deviceId, by);
  await prisma().device.delete({ where: { id: device.id } });
  await recordChange(by, {
    action: "device.delete",
    target: { type: "device", id: device.id },
    details: { udid: device.udid, owner: device.owner?.email ?? null, name: device.name },
  });
}

const MAX_IMPORT_LINES = 10_000;

/**
 * Imports a list in Apple's bulk device-registration format (tab-separated:
 * UDID, name, platform; the header line optional). All or nothing: a bad line
 * refuses the whole list, naming the line. UDIDs already registered are left
 * as they are. Admin-only.
 */
export async function importDevices(text: string, by: Actor): Promise<{ added: number; existing: number }> {
  assertAdmin(by);
  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\n|\r/);
  if (lines.length > MAX_IMPORT_LINES) {
    throw new AppError("bad_request", `The list has more than ${MAX_IMPORT_LINES} lines.`);
  }
  const parsed = new Map<string, string | null>();
  lines.forEach((line, index) => {
    if (line.trim() === "" || line.trim().startsWith("#")) return;
    const [rawUdid = "", rawName = "", rawPlatform = ""] = line.split("\t");
    if (index === 0 && rawUdid.trim().toLowerCase() === "device id") return;
    const udid = normalizeUdid(rawUdid);
    if (!udid) {
      throw new AppError(
        "bad_request",
        `Line ${index + 1}: "${rawUdid.slice(0, 60)}" is not a UDID (40 hex digits, or 8-16 hex digits with a dash).`,
      );
    }
    const platform = rawPlatform.trim().toLowerCase();
    if (platform && platform !== "ios") {
      throw new AppError("bad_request", `Line ${index + 1}: platform "${rawPlatform.trim()}" is not ios.`);
    }
    parsed.set(udid, rawName.trim().slice(0, 200) || null);
  });
  if (parsed.size === 0) throw new AppError("bad_request", "The list holds no device.");
  const result = await prisma().device.createMany({
    data: [...parsed].map(([udid, name]) => ({ udid, name, source: "import" })),
    skipDuplicates: true,
  });
  await recordChange(by, {
    action: "device.import",
    details: { added: result.count, existing: parsed.size - result.count },
  });
  return { added: result.count, existing: parsed.size - result.count };
}
