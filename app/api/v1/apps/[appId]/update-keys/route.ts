import { apiRoute } from "@/lib/http/api-route";
import { UPDATE_KEY_BODY_MAX_BYTES } from "@/lib/http/body-limits";
import { createUpdateKey, listUpdateKeys } from "@/lib/update-check/mutations";
import { createUpdateKeyBodySchema } from "@/lib/update-check/schema";

export const dynamic = "force-dynamic";

/** Admins and the app's uploaders (session, or a token with `read`): the app's update keys (never the keys). */
export const GET = apiRoute({ params: ["appId"], permission: "update-key.manage" }, async ({ params, actor }) => {
  const keys = await listUpdateKeys({ appId: params.appId }, actor);
  return Response.json({ updateKeys: keys }, { headers: { "Cache-Control": "no-store" } });
});

/** Admins and the app's uploaders (session from our origin, or a token with `upload`): `{ name }` → 201 with the key, shown once. */
export const POST = apiRoute(
  {
    params: ["appId"],
    permission: "update-key.manage",
    body: { json: createUpdateKeyBodySchema, maxBytes: UPDATE_KEY_BODY_MAX_BYTES },
  },
  async ({ params, body, actor }) => {
    const result = await createUpdateKey({ appId: params.appId, name: body.name }, actor);
    return Response.json(
      { updateKey: result.updateKey, key: result.key },
      { status: 201, headers: { "Cache-Control": "no-store" } },
    );
  },
);
