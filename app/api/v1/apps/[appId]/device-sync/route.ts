import { getDeviceSync } from "@/lib/app-store-connect/data";
import { setDeviceSync } from "@/lib/app-store-connect/mutations";
import { deviceSyncBodySchema } from "@/lib/app-store-connect/schema";
import { apiRoute } from "@/lib/http/api-route";

export const dynamic = "force-dynamic";

/** Admins (token scope `sign`): the app's "Keep devices in sync". */
export const GET = apiRoute(
  { params: ["appId"], scope: "sign", permission: "app-store-connect.manage" },
  async ({ params, actor }) =>
    Response.json({ sync: await getDeviceSync(actor, params.appId) }, { headers: { "Cache-Control": "no-store" } }),
);

/** Admins: `{ enabled, identityId, profileType }`. */
export const PUT = apiRoute(
  { params: ["appId"], scope: "sign", permission: "app-store-connect.manage", body: { json: deviceSyncBodySchema } },
  async ({ params, body, actor }) =>
    Response.json(
      { sync: await setDeviceSync({ ...body, appId: params.appId }, actor) },
      { headers: { "Cache-Control": "no-store" } },
    ),
);
