import { type Actor, userActor } from "@/lib/access/actor";
import { authorize, can } from "@/lib/access/policy";
import { type AuditContext, recordChange } from "@/lib/audit/audit";
import { prisma } from "@/lib/db/client";
import { isUniqueViolation } from "@/lib/db/errors";
import { type DeviceDto, deviceSelect, findDeviceById, toDeviceDto } from "@/lib/devices/data";
import { hashChallenge } from "@/lib/devices/enrollment";
import type { DeviceResponse } from "@/lib/devices/profile-service";
import {
  cleanDeviceText,
  deviceAttributesSchema,
  deviceIdSchema,
  normalizeUdid,
  reassignDeviceSchema,
  renameDeviceSchema,
} from "@/lib/devices/schema";
import { AppError, parseInput } from "@/lib/errors";
import { findUserByEmail, findUserById, toUserDto, userDtoSelect } from "@/lib/users/data";

/**
 * Changes to registered devices. Registration comes from the device itself
 * (the challenge names the user); the rest from admins, or owners for their
 * own devices (rename, delete).
 */

/** Thrown inside the registration transaction to roll it back (the challenge stays unused). */
class OwnedByAnother extends Error {
  constructor(
    readonly userId: string,
    readonly device: { id: string; udid: string; ownerEmail: string },
  ) {
    super("device owned by another user");
  }
}

/**
 * Stores the device a verified profile-service post describes, for the user
 * its challenge was issued to, and uses the challenge up. Unknown, used or
 * expired challenges store nothing. Re-registering one's own device updates
 * it (and it stays disabled if an admin disabled it); a device without an
 * owner (imported by an admin) is claimed; a device registered to someone
 * else never moves: `device_owned_by_another_user`, audited as
 * `device.register_refused`, and only an admin reassigns it (UDIDs are not
 * secret, so naming one proves nothing).
 */
export async function registerDevice(
  response: DeviceResponse,
  context: AuditContext,
  now = new Date(),
): Promise<DeviceDto> {
  const attributes = parseInput(deviceAttributesSchema, response.attributes);
  const hash = hashChallenge(response.challenge);
  try {
    return await prisma().$transaction(async (tx) => {
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
        select: userDtoSelect,
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
      // Lock the row so an admin's reassignment and this post do not interleave.
      const [existing] = await tx.$queryRaw<{ id: string; user_id: string | null }[]>`
        SELECT id, user_id FROM devices WHERE udid = ${attributes.udid} FOR UPDATE`;
      if (existing?.user_id && existing.user_id !== owner.id) {
        const holder = await tx.user.findUnique({ where: { id: existing.user_id }, select: { email: true } });
        throw new OwnedByAnother(owner.id, {
          id: existing.id,
          udid: attributes.udid,
          ownerEmail: holder?.email ?? "",
        });
      }
      const row = existing
        ? await tx.device.update({ where: { id: existing.id }, data: fields, select: deviceSelect })
        : await tx.device.create({ data: { udid: attributes.udid, ...fields }, select: deviceSelect });
      const device = toDeviceDto(row);
      await recordChange(tx, userActor(toUserDto(owner), context), {
        action: "device.register",
        target: { type: "device", id: device.id },
        details: { udid: device.udid, model: device.model, osVersion: device.osVersion, name: device.name },
      });
      return device;
    });
  } catch (error) {
    if (error instanceof OwnedByAnother) {
      const refusedFor = await findUserById(error.userId);
      if (refusedFor) {
        // Nothing changed (the registration was rolled back): the refusal's row stands alone.
        await recordChange(
          prisma(),
          { kind: "user", user: refusedFor, context },
          {
            action: "device.register_refused",
            target: { type: "device", id: error.device.id },
            details: { udid: error.device.udid, owner: error.device.ownerEmail, reason: "owned_by_another_user" },
          },
        );
      }
      throw new AppError(
        "device_owned_by_another_user",
        "This device is registered to another person in Ferry: ask an admin to move it to you (Admin → Devices).",
      );
    }
    // Two first registrations of one UDID at the same moment: the loser retries.
    if (isUniqueViolation(error)) {
      throw new AppError("conflict", "This device was being registered at the same moment: try again.");
    }
    throw error;
  }
}

async function existingDevice(id: string): Promise<DeviceDto> {
  const device = await findDeviceById(id);
  if (!device) throw new AppError("not_found", "This device no longer exists: reload the page.");
  return device;
}

/** Admins manage every device; a user manages only their own (the same "not found" for others' keeps ids private). */
async function manageableDevice(id: string, by: Actor): Promise<DeviceDto> {
  const device = await existingDevice(id);
  if (!can(by, "device.manage", { ownerId: device.owner?.id ?? null })) {
    throw new AppError("not_found", "This device no longer exists: reload the page.");
  }
  return device;
}

export async function renameDevice(input: { deviceId: string; name: string }, by: Actor): Promise<DeviceDto> {
  const { deviceId, name } = parseInput(renameDeviceSchema, input);
  const device = await manageableDevice(deviceId, by);
  if (device.name === name) return device;
  await prisma().$transaction(async (tx) => {
    await tx.device.update({ where: { id: device.id }, data: { name } });
    await recordChange(tx, by, {
      action: "device.rename",
      target: { type: "device", id: device.id },
      details: { udid: device.udid, from: device.name, to: name },
    });
  });
  return { ...device, name };
}

/**
 * Moves a device to another user (the way to resolve
 * `device_owned_by_another_user`: the device changed hands). Admin-only; the
 * new owner must be an active user.
 */
export async function reassignDevice(input: { deviceId: string; email: string }, by: Actor): Promise<DeviceDto> {
  authorize(by, "device.manage");
  const { deviceId, email } = parseInput(reassignDeviceSchema, input);
  const device = await existingDevice(deviceId);
  const to = await findUserByEmail(email);
  if (!to || to.disabled) throw new AppError("bad_request", `There is no active user ${email}.`);
  if (device.owner?.id === to.id) return device;
  const row = await prisma().$transaction(async (tx) => {
    const moved = await tx.device.update({ where: { id: device.id }, data: { userId: to.id }, select: deviceSelect });
    await recordChange(tx, by, {
      action: "device.reassign",
      target: { type: "device", id: device.id },
      details: { udid: device.udid, from: device.owner?.email ?? null, to: to.email },
    });
    return moved;
  });
  return toDeviceDto(row);
}

async function setDisabled(deviceId: string, disabled: boolean, by: Actor, now: Date): Promise<boolean> {
  authorize(by, "device.manage");
  const device = await existingDevice(parseInput(deviceIdSchema, { deviceId }).deviceId);
  if (device.disabled === disabled) return false;
  await prisma().$transaction(async (tx) => {
    await tx.device.update({ where: { id: device.id }, data: { disabledAt: disabled ? now : null } });
    await recordChange(tx, by, {
      action: disabled ? "device.disable" : "device.enable",
      target: { type: "device", id: device.id },
      details: { udid: device.udid, owner: device.owner?.email ?? null },
    });
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
  await prisma().$transaction(async (tx) => {
    await tx.device.delete({ where: { id: device.id } });
    await recordChange(tx, by, {
      action: "device.delete",
      target: { type: "device", id: device.id },
      details: { udid: device.udid, owner: device.owner?.email ?? null, name: device.name },
    });
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
  authorize(by, "device.import");
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
    parsed.set(udid, cleanDeviceText(rawName).slice(0, 200) || null);
  });
  if (parsed.size === 0) throw new AppError("bad_request", "The list holds no device.");
  const result = await prisma().$transaction(async (tx) => {
    const created = await tx.device.createMany({
      data: [...parsed].map(([udid, name]) => ({ udid, name, source: "import" })),
      skipDuplicates: true,
    });
    await recordChange(tx, by, {
      action: "device.import",
      details: { added: created.count, existing: parsed.size - created.count },
    });
    return created;
  });
  return { added: result.count, existing: parsed.size - result.count };
}
