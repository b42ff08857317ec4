import { userActor } from "@/lib/access/actor";
import { requireCaller } from "@/lib/auth/session";
import { withApiErrors } from "@/lib/http/api-errors";
import { requestContext } from "@/lib/http/request-context";
import { assertSameOrigin } from "@/lib/http/same-origin";
import { deleteWebhook } from "@/lib/webhooks/mutations";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ appId: string; webhookId: string }> };

/** Admins (session from our own origin, or a token with the `upload` scope): deletes the webhook and its log. 204. */
export const DELETE = withApiErrors(async (request: Request, context: Context) => {
  const caller = await requireCaller(request, "upload");
  if (caller.via === "session") assertSameOrigin(request);
  const { appId, webhookId } = await context.params;
  await deleteWebhook({ appId, webhookId }, userActor(caller.user, requestContext(request.headers)));
  return new Response(null, { status: 204, headers: { "Cache-Control": "no-store" } });
});
