import { env } from "@/lib/config/env";
import { signDeviceId } from "@/lib/devices/device-cookie";
import { registerDevice } from "@/lib/devices/mutations";
import { parseDeviceResponse } from "@/lib/devices/profile-service";
import { publicApiRoute } from "@/lib/http/api-route";
import { MAX_DEVICE_RESPONSE_BYTES } from "@/lib/http/body-limits";
import { requestContext } from "@/lib/http/request-context";

export const dynamic = "force-dynamic";

/**
 * Where iOS posts the signed device attributes (no cookies: the challenge in
 * the signed plist names the user). Answers 301 to the page Safari opens.
 */
export const POST = publicApiRoute({ body: { bytes: MAX_DEVICE_RESPONSE_BYTES } }, async ({ request, body }) => {
  const device = await registerDevice(parseDeviceResponse(body), requestContext(request.headers));
  const location = `${env().publicUrl}/devices/this-device?d=${encodeURIComponent(signDeviceId(device.id))}`;
  return new Response(null, { status: 301, headers: { Location: location, "Cache-Control": "no-store" } });
});
