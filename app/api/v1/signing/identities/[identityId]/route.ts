import { userActor } from "@/lib/access/actor";
import { requireCaller } from "@/lib/auth/session";
import { withApiErrors } from "@/lib/http/api-errors";
import { requestContext } from "@/lib/http/request-context";
import { assertSameOrigin } from "@/lib/http/same-origin";
import { deleteSigningIdentity } from "@/lib/signing/identities/mutations";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ identityId: string }> };

/** Admins (session from our own origin, or a token with the `sign` scope): deletes the identity and its key. 204. */
export const DELETE = withApiErrors(async (request: Request, context: Context) => {
  const caller = await requireCaller(request, "sign");
  if (caller.via === "session") assertSameOrigin(request);
  const { identityId } = await context.params;
  await deleteSigningIdentity({ identityId }, userActor(caller.user, requestContext(request.headers)));
  return new Response(null, { status: 204, headers: { "Cache-Control": "no-store" } });
});
