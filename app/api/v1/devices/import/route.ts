import { importDevices } from "@/lib/devices/mutations";
import { AppError } from "@/lib/errors";
import { apiRoute } from "@/lib/http/api-route";
import { DEVICE_IMPORT_MAX_BYTES } from "@/lib/http/body-limits";

export const dynamic = "force-dynamic";

/** Admins: import a device list in Apple's bulk format (raw text body). Token scope `upload` (it writes). */
export const POST = apiRoute(
  { permission: "device.import", body: { bytes: DEVICE_IMPORT_MAX_BYTES } },
  async ({ body, actor }) => {
    if (body.length === 0) throw new AppError("empty_body", "Send the device list as the request body.");
    const result = await importDevices(body.toString("utf8"), actor);
    return Response.json(result, { headers: { "Cache-Control": "no-store" } });
  },
);
