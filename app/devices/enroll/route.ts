import { currentUser } from "@/lib/auth/session";
import { env } from "@/lib/config/env";
import { ENROLLMENT_CONTENT_TYPE, ENROLLMENT_TTL_SECONDS, enrollmentProfileFor } from "@/lib/devices/enrollment";
import { ENROLL_RETURN_COOKIE, safeReturnTo, withReturnTo } from "@/lib/devices/return-to";

export const dynamic = "force-dynamic";

/**
 * The enrollment profile for the signed-in user (a fresh single-use challenge each time).
 * `?returnTo=/apps/…` is remembered (a cookie as long-lived as the challenge) so that the
 * confirmation page, which Safari opens after Settings, leads back to that page.
 */
export async function GET(request: Request): Promise<Response> {
  const returnTo = safeReturnTo(new URL(request.url).searchParams.get("returnTo"));
  const user = await currentUser();
  if (!user) {
    const callback = withReturnTo("/devices", returnTo);
    return new Response(null, {
      status: 303,
      headers: { Location: `${env().publicUrl}/sign-in?callbackUrl=${encodeURIComponent(callback)}` },
    });
  }
  const { body, signed } = await enrollmentProfileFor(user);
  const headers = new Headers({
    "Content-Type": ENROLLMENT_CONTENT_TYPE,
    "Content-Disposition": 'attachment; filename="ferry-register-device.mobileconfig"',
    "Content-Length": String(body.length),
    "Cache-Control": "no-store",
    "X-Ferry-Profile-Signed": signed ? "true" : "false",
  });
  if (returnTo) {
    const secure = env().publicUrlIsHttps ? "; Secure" : "";
    const path = new URL(env().publicUrl).pathname.replace(/\/+$/, "") || "/";
    headers.append(
      "Set-Cookie",
      `${ENROLL_RETURN_COOKIE}=${encodeURIComponent(returnTo)}; Path=${path}; Max-Age=${ENROLLMENT_TTL_SECONDS}; HttpOnly; SameSite=Lax${secure}`,
    );
  }
  return new Response(new Uint8Array(body), { headers });
}
