import { cookies } from "next/headers";
import { type DeviceDto, findOwnActiveDevice } from "@/lib/devices/data";
import { DEVICE_COOKIE, verifyDeviceId } from "@/lib/devices/device-cookie";
import type { UserDto } from "@/lib/users/data";

/**
 * The registered device this browser runs on, if it told us (the cookie set
 * after registration) and the device is still the signed-in user's and active.
 * Next-only (reads the request's cookies).
 */
export async function currentDeviceFor(user: UserDto): Promise<DeviceDto | null> {
  const value = (await cookies()).get(DEVICE_COOKIE)?.value ?? null;
  return findOwnActiveDevice(user, verifyDeviceId(value));
}
