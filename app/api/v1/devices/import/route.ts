import { userActor } from "@/lib/access/actor";
import { requireCaller } from "@/lib/auth/session";
import { importDevices } from "@/lib/devices/mutations";
import { AppError } from "@/lib/errors";
import { withApiErrors } from "@/lib/http/api-errors";
import { DEVICE_IMPORT_MAX_BYTES } from "@/lib/http/body-limits";
import { readSmallBody } from "@/lib/http/read-small-body";
import { requestContext } from "@/lib/http/request-context";
import { assertSameOrigin } from "@/lib/http/same-origin";

export const dynamic = "force-dynamic";

/** Admins: import a device list in Apple's bulk format (raw text body). Token scope `upload` (it writes). */
export const POST = withApiErrors(async (request: Request) => {
  const caller = await requireCaller(request, "upload");
  if (caller.via === "session") assertSameOrigin(request);
  const body = await readSmallBody(request, DEVICE_IMPORT_MAX_BYTES);
  if (body.length === 0) throw new AppError("empty_body", "Send the device list as the request body.");
  const result = await importDevices(body.toString("utf8"), userActor(caller.user, requestContext(request.headers)));
  return Response.json(result, { headers: { "Cache-Control": "no-store" } });
});
