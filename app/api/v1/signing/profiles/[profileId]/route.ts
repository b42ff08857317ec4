import { userActor } from "@/lib/access/actor";
import { requireCaller } from "@/lib/auth/session";
import { withApiErrors } from "@/lib/http/api-errors";
import { requestContext } from "@/lib/http/request-context";
import { assertSameOrigin } from "@/lib/http/same-origin";
import { deleteSigningProfile } from "@/lib/signing/profiles/mutations";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ profileId: string }> };

/** Admins (session from our own origin, or a token with the `sign` scope): deletes the profile. 204. */
export const DELETE = withApiErrors(async (request: Request, context: Context) => {
  const caller = await requireCaller(request, "sign");
  if (caller.via === "session") assertSameOrigin(request);
  const { profileId } = await context.params;
  await deleteSigningProfile({ profileId }, userActor(caller.user, requestContext(request.headers)));
  return new Response(null, { status: 204, headers: { "Cache-Control": "no-store" } });
});
