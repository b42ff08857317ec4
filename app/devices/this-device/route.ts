import { env } from "@/lib/config/env";
import { DEVICE_COOKIE, DEVICE_COOKIE_MAX_AGE, verifyDeviceId } from "@/lib/devices/device-cookie";
import { ENROLL_RETURN_COOKIE, safeReturnTo, withReturnTo } from "@/lib/devices/return-to";

export const dynamic = "force-dynamic";

/** One cookie's value from a Cookie header. */
function cookieValue(header: string | null, name: string): string | null {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return null;
      }
    }
  }
  return null;
}

/**
 * Safari lands here after iOS registered the device: the browser remembers
 * which device it runs on (a signed cookie), then shows the confirmation, which
 * leads back to the page the registration started from (ENROLL_RETURN_COOKIE).
 */
export async function GET(request: Request): Promise<Response> {
  const signed = new URL(request.url).searchParams.get("d");
  const deviceId = verifyDeviceId(signed);
  const base = env().publicUrl;
  const returnTo = safeReturnTo(cookieValue(request.headers.get("cookie"), ENROLL_RETURN_COOKIE));
  const secure = env().publicUrlIsHttps ? "; Secure" : "";
  const path = new URL(base).pathname.replace(/\/+$/, "") || "/";
  const headers = new Headers({ "Cache-Control": "no-store" });
  // Used once: a later registration from the devices page itself must not lead to an old page.
  if (returnTo !== null || cookieValue(request.headers.get("cookie"), ENROLL_RETURN_COOKIE) !== null) {
    headers.append("Set-Cookie", `${ENROLL_RETURN_COOKIE}=; Path=${path}; Max-Age=0; HttpOnly; SameSite=Lax${secure}`);
  }
  if (!deviceId || !signed) {
    headers.set("Location", `${base}${withReturnTo("/devices?registered=unknown", returnTo)}`);
    return new Response(null, { status: 303, headers });
  }
  headers.set("Location", `${base}${withReturnTo(`/devices?registered=${encodeURIComponent(deviceId)}`, returnTo)}`);
  headers.append(
    "Set-Cookie",
    `${DEVICE_COOKIE}=${encodeURIComponent(signed)}; Path=${path}; Max-Age=${DEVICE_COOKIE_MAX_AGE}; HttpOnly; SameSite=Lax${secure}`,
  );
  return new Response(null, { status: 303, headers });
}
