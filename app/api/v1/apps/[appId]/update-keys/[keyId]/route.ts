import { userActor } from "@/lib/access/actor";
import { requireCaller } from "@/lib/auth/session";
import { withApiErrors } from "@/lib/http/api-errors";
import { requestContext } from "@/lib/http/request-context";
import { assertSameOrigin } from "@/lib/http/same-origin";
import { revokeUpdateKey } from "@/lib/update-check/mutations";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ appId: string; keyId: string }> };

/** Admins and the app's uploaders (session from our origin, or a token with `upload`): revokes the key. 204. */
export const DELETE = withApiErrors(async (request: Request, context: Context) => {
  const caller = await requireCaller(request, "upload");
  if (caller.via === "session") assertSameOrigin(request);
  const { appId, keyId } = await context.params;
  await revokeUpdateKey({ appId, keyId }, userActor(caller.user, requestContext(request.headers)));
  return new Response(null, { status: 204, headers: { "Cache-Control": "no-store" } });
});
