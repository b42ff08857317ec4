import { cookies } from "next/headers";
import type { DeviceDto } from "@/lib/devices/data";
import { DEVICE_COOKIE, deviceOfCookie } from "@/lib/devices/device-cookie";
import type { UserDto } from "@/lib/users/data";

/**
 * The registered device this browser runs on, if it told us (the cookie set
 * after registration) and the device is still the signed-in user's and active.
 * App Router only (next/headers); the Pages Router pages call deviceOfCookie.
 */
export async function currentDeviceFor(user: UserDto): Promise<DeviceDto | null> {
  return deviceOfCookie(user, (await cookies()).get(DEVICE_COOKIE)?.value);
}
