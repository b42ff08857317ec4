import { currentUser } from "@/lib/auth/session";
import { env } from "@/lib/config/env";
import { ENROLLMENT_CONTENT_TYPE, enrollmentProfileFor } from "@/lib/devices/enrollment";

export const dynamic = "force-dynamic";

/** The enrollment profile for the signed-in user (a fresh single-use challenge each time). */
export async function GET(): Promise<Response> {
  const user = await currentUser();
  if (!user) {
    return new Response(null, {
      status: 303,
      headers: { Location: `${env().publicUrl}/sign-in?callbackUrl=${encodeURIComponent("/devices")}` },
    });
  }
  const { body, signed } = await enrollmentProfileFor(user);
  return new Response(new Uint8Array(body), {
    headers: {
      "Content-Type": ENROLLMENT_CONTENT_TYPE,
      "Content-Disposition": 'attachment; filename="ferry-register-device.mobileconfig"',
      "Content-Length": String(body.length),
      "Cache-Control": "no-store",
      "X-Ferry-Profile-Signed": signed ? "true" : "false",
    },
  });
}
