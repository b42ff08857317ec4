import { apiRoute } from "@/lib/http/api-route";
import { revokeUpdateKey } from "@/lib/update-check/mutations";

export const dynamic = "force-dynamic";

/** Admins and the app's uploaders (session from our origin, or a token with `upload`): revokes the key. 204. */
export const DELETE = apiRoute(
  { params: ["appId", "keyId"], permission: "update-key.manage" },
  async ({ params, actor }) => {
    await revokeUpdateKey({ appId: params.appId, keyId: params.keyId }, actor);
    return new Response(null, { status: 204, headers: { "Cache-Control": "no-store" } });
  },
);
