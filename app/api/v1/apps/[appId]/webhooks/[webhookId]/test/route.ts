import { userActor } from "@/lib/access/actor";
import { requireCaller } from "@/lib/auth/session";
import { withApiErrors } from "@/lib/http/api-errors";
import { requestContext } from "@/lib/http/request-context";
import { assertSameOrigin } from "@/lib/http/same-origin";
import { sendTestWebhook } from "@/lib/webhooks/mutations";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ appId: string; webhookId: string }> };

/**
 * Admins (session from our own origin, or a token with `upload`): sends a `ping` to the webhook
 * now and answers 200 `{ ok, status, error, deliveryId }` (ok false when the receiver failed).
 */
export const POST = withApiErrors(async (request: Request, context: Context) => {
  const caller = await requireCaller(request, "upload");
  if (caller.via === "session") assertSameOrigin(request);
  const { appId, webhookId } = await context.params;
  const result = await sendTestWebhook({ appId, webhookId }, userActor(caller.user, requestContext(request.headers)));
  const { ok, status, error, deliveryId } = result;
  return Response.json({ ok, status, error, deliveryId }, { headers: { "Cache-Control": "no-store" } });
});
