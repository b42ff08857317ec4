import { withApiErrors } from "@/lib/http/api-errors";
import { checkForUpdate, updateKeyOf } from "@/lib/update-check/data";

export const dynamic = "force-dynamic";

// Next allows one name per dynamic segment: here `appId` holds the bundle id (the app's id works too).
type Context = { params: Promise<{ appId: string }> };

/**
 * The in-app update check: `?channel=&version=&build=` with the app's update key
 * (`Authorization: Bearer ferryu_…` or `X-Ferry-Update-Key`). 200
 * `{ updateAvailable, version, build, pageUrl, notes }`; any key problem 401.
 */
export const GET = withApiErrors(async (request: Request, context: Context) => {
  const { appId: appRef } = await context.params;
  const params = new URL(request.url).searchParams;
  const result = await checkForUpdate(appRef, updateKeyOf(request.headers), {
    channel: params.get("channel"),
    version: params.get("version"),
    build: params.get("build"),
  });
  return Response.json(result, { headers: { "Cache-Control": "private, no-store" } });
});
