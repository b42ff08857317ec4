import { findAppById } from "@/lib/apps/data";
import { AppError } from "@/lib/errors";
import { apiRoute } from "@/lib/http/api-route";
import { pageQueryFrom } from "@/lib/http/pagination";
import { listDeliveriesPageForApp, listWebhooksForApp } from "@/lib/webhooks/data";
import { createWebhook } from "@/lib/webhooks/mutations";
import { createWebhookBodySchema } from "@/lib/webhooks/schema";

export const dynamic = "force-dynamic";

/**
 * Admins (session, or a token with the `read` scope): the app's webhooks
 * (secrets hinted) and its deliveries, newest first, a page at a time
 * (`?limit=&cursor=`, then `nextCursor`).
 */
export const GET = apiRoute({ params: ["appId"], permission: "webhook.read" }, async ({ request, params, user }) => {
  const query = pageQueryFrom(request.url);
  if (!(await findAppById(params.appId))) throw new AppError("not_found", "No such app.");
  const [webhooks, deliveries] = await Promise.all([
    listWebhooksForApp(user, params.appId),
    listDeliveriesPageForApp(user, params.appId, query),
  ]);
  return Response.json(
    { webhooks, deliveries: deliveries.items, nextCursor: deliveries.nextCursor },
    { headers: { "Cache-Control": "no-store" } },
  );
});

/**
 * Admins (session from our own origin, or a token with the `upload` scope):
 * `{ url, secret?, events?: ["build.created"], format?: "json" | "slack" }`. 201 with the
 * webhook and its secret, which is never shown again.
 */
export const POST = apiRoute(
  { params: ["appId"], permission: "webhook.manage", body: { json: createWebhookBodySchema } },
  async ({ params, body, actor }) => {
    const result = await createWebhook({ ...body, appId: params.appId }, actor);
    return Response.json(
      { webhook: result.webhook, secret: result.secret },
      { status: 201, headers: { "Cache-Control": "no-store" } },
    );
  },
);
