import { apiRoute } from "@/lib/http/api-route";
import { sendTestWebhook } from "@/lib/webhooks/mutations";

export const dynamic = "force-dynamic";

/**
 * Admins (session from our own origin, or a token with `upload`): sends a `ping` to the webhook
 * now and answers 200 `{ ok, status, error, deliveryId }` (ok false when the receiver failed).
 */
export const POST = apiRoute(
  { params: ["appId", "webhookId"], permission: "webhook.manage" },
  async ({ params, actor }) => {
    const { ok, status, error, deliveryId } = await sendTestWebhook(
      { appId: params.appId, webhookId: params.webhookId },
      actor,
    );
    return Response.json({ ok, status, error, deliveryId }, { headers: { "Cache-Control": "no-store" } });
  },
);
