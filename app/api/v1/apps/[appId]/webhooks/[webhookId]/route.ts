import { apiRoute } from "@/lib/http/api-route";
import { deleteWebhook } from "@/lib/webhooks/mutations";

export const dynamic = "force-dynamic";

/** Admins (session from our own origin, or a token with the `upload` scope): deletes the webhook and its log. 204. */
export const DELETE = apiRoute(
  { params: ["appId", "webhookId"], permission: "webhook.manage" },
  async ({ params, actor }) => {
    await deleteWebhook({ appId: params.appId, webhookId: params.webhookId }, actor);
    return new Response(null, { status: 204, headers: { "Cache-Control": "no-store" } });
  },
);
