import { assertAdmin, userActor } from "@/lib/access/actor";
import { findAppById } from "@/lib/apps/data";
import { requireCaller } from "@/lib/auth/session";
import { AppError } from "@/lib/errors";
import { withApiErrors } from "@/lib/http/api-errors";
import { JSON_BODY_MAX_BYTES } from "@/lib/http/body-limits";
import { readJsonBody } from "@/lib/http/read-small-body";
import { requestContext } from "@/lib/http/request-context";
import { assertSameOrigin } from "@/lib/http/same-origin";
import { listDeliveriesForApp, listWebhooksForApp } from "@/lib/webhooks/data";
import { createWebhook } from "@/lib/webhooks/mutations";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ appId: string }> };

/** Admins (session, or a token with the `read` scope): the app's webhooks (secrets hinted) and its last 50 deliveries. */
export const GET = withApiErrors(async (request: Request, context: Context) => {
  const caller = await requireCaller(request, "read");
  assertAdmin(userActor(caller.user, requestContext(request.headers)));
  const { appId } = await context.params;
  if (!(await findAppById(appId))) throw new AppError("not_found", "No such app.");
  const [webhooks, deliveries] = await Promise.all([listWebhooksForApp(appId), listDeliveriesForApp(appId, 50)]);
  return Response.json({ webhooks, deliveries }, { headers: { "Cache-Control": "no-store" } });
});

/**
 * Admins (session from our own origin, or a token with the `upload` scope):
 * `{ url, secret?, events?: ["build.created"], format?: "json" | "slack" }`. 201 with the
 * webhook and its secret, which is never shown again.
 */
export const POST = withApiErrors(async (request: Request, context: Context) => {
  const caller = await requireCaller(request, "upload");
  const actor = userActor(caller.user, requestContext(request.headers));
  // Only admins get their body read (createWebhook checks again).
  assertAdmin(actor);
  if (caller.via === "session") assertSameOrigin(request);
  const { appId } = await context.params;
  const body: unknown = await readJsonBody(request, JSON_BODY_MAX_BYTES);
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    throw new AppError("bad_request", 'Send JSON { "url": "https://…", "secret": "…", "events": ["build.created"] }.');
  }
  const result = await createWebhook(
    { ...(body as Record<string, unknown>), appId } as Parameters<typeof createWebhook>[0],
    actor,
  );
  return Response.json(
    { webhook: result.webhook, secret: result.secret },
    { status: 201, headers: { "Cache-Control": "no-store" } },
  );
});
