import { publicApiRoute } from "@/lib/http/api-route";
import { checkForUpdate, updateKeyOf } from "@/lib/update-check/data";

export const dynamic = "force-dynamic";

/**
 * The in-app update check: `?channel=&version=&build=` with the app's update key
 * (`Authorization: Bearer ferryu_…` or `X-Ferry-Update-Key`). 200
 * `{ updateAvailable, version, build, pageUrl, notes }`; any key problem 401.
 * Public to the wrapper: the update key, checked by checkForUpdate, is the
 * only authority here (no session or API token is accepted).
 * Next allows one name per dynamic segment: here `appId` holds the bundle id (the app's id works too).
 */
export const GET = publicApiRoute({ params: ["appId"] }, async ({ request, params }) => {
  const query = new URL(request.url).searchParams;
  const result = await checkForUpdate(params.appId, updateKeyOf(request.headers), {
    channel: query.get("channel"),
    version: query.get("version"),
    build: query.get("build"),
  });
  return Response.json(result, { headers: { "Cache-Control": "private, no-store" } });
});
