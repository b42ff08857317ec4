import { createHmac, timingSafeEqual } from "node:crypto";
import { requireAuthSecret } from "@/lib/config/env";
import { type DeviceDto, findOwnActiveDevice } from "@/lib/devices/data";
import type { UserDto } from "@/lib/users/data";

/**
 * "Which registered device is this browser on?" Safari learns it when iOS
 * opens the registration result page; the cookie holds the device id with an
 * HMAC so nobody can point their browser at someone else's device. The id is
 * still checked against the signed-in user at every read.
 */
export const DEVICE_COOKIE = "ferry-device";
export const DEVICE_COOKIE_MAX_AGE = 400 * 24 * 3600; // browsers cap cookie lifetimes at 400 days

function mac(deviceId: string): string {
  return createHmac("sha256", requireAuthSecret()).update(`ferry-device:${deviceId}`).digest("base64url");
}

export function signDeviceId(deviceId: string): string {
  return `${deviceId}.${mac(deviceId)}`;
}

/** The device id a signed value names, or null when it was not signed by this server. */
export function verifyDeviceId(value: string | null | undefined): string | null {
  if (!value) return null;
  const dot = value.lastIndexOf(".");
  if (dot <= 0) return null;
  const id = value.slice(0, dot);
  const given = Buffer.from(value.slice(dot + 1));
  const expected = Buffer.from(mac(id));
  return given.length === expected.length && timingSafeEqual(given, expected) ? id : null;
}

/** The registered device a DEVICE_COOKIE value names, if it is still this user's and active. */
export async function deviceOfCookie(user: UserDto, value: string | undefined): Promise<DeviceDto | null> {
  return findOwnActiveDevice(user, verifyDeviceId(value ?? null));
}
