import { env } from "@/lib/config/env";
import { DEVICE_COOKIE, DEVICE_COOKIE_MAX_AGE, verifyDeviceId } from "@/lib/devices/device-cookie";

export const dynamic = "force-dynamic";

/**
 * Safari lands here after iOS registered the device: the browser remembers
 * which device it runs on (a signed cookie), then shows the confirmation.
 */
export async function GET(request: Request): Promise<Response> {
  const signed = new URL(request.url).searchParams.get("d");
  const deviceId = verifyDeviceId(signed);
  const base = env().publicUrl;
  if (!deviceId || !signed) {
    return new Response(null, { status: 303, headers: { Location: `${base}/devices?registered=unknown` } });
  }
  const secure = env().publicUrlIsHttps ? "; Secure" : "";
  const path = new URL(base).pathname.replace(/\/+$/, "") || "/";
  return new Response(null, {
    status: 303,
    headers: {
      Location: `${base}/devices?registered=${encodeURIComponent(deviceId)}`,
      "Set-Cookie": `${DEVICE_COOKIE}=${encodeURIComponent(signed)}; Path=${path}; Max-Age=${DEVICE_COOKIE_MAX_AGE}; HttpOnly; SameSite=Lax${secure}`,
      "Cache-Control": "no-store",
    },
  });
}
