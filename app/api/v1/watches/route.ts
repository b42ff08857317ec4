import { userActor } from "@/lib/access/actor";
import { requireCaller } from "@/lib/auth/session";
import { env } from "@/lib/config/env";
import { AppError } from "@/lib/errors";
import { withApiErrors } from "@/lib/http/api-errors";
import { WATCH_BODY_MAX_BYTES } from "@/lib/http/body-limits";
import { readSmallBody } from "@/lib/http/read-small-body";
import { requestContext } from "@/lib/http/request-context";
import { assertSameOrigin } from "@/lib/http/same-origin";
import { channelPageUrl } from "@/lib/install-links/urls";
import { listWatchesFor, notificationsEnabled } from "@/lib/notifications/data";
import { setWatch } from "@/lib/notifications/mutations";
import { watchBodyOf } from "@/lib/notifications/schema";

export const dynamic = "force-dynamic";

/** What the caller watches (session, or a token with the `read` scope), and whether this server sends email. */
export const GET = withApiErrors(async (request: Request) => {
  const { user } = await requireCaller(request, "read");
  return Response.json(
    { emailEnabled: notificationsEnabled(), watches: await listWatchesFor(user) },
    { headers: { "Cache-Control": "private, no-store" } },
  );
});

/**
 * Starts or stops watching, for the caller only: JSON `{ appId, channel?, watching }` → 200
 * `{ watching, appId, channel }`; the app and channel pages' form (no JavaScript) posts the same
 * fields form-encoded and is sent back to the page (303). Session writes need our own origin.
 */
export const POST = withApiErrors(async (request: Request) => {
  const caller = await requireCaller(request, "read");
  if (caller.via === "session") assertSameOrigin(request);
  const form = (request.headers.get("content-type") ?? "").startsWith("application/x-www-form-urlencoded");
  const raw = (await readSmallBody(request, WATCH_BODY_MAX_BYTES)).toString("utf8");
  const input = watchBodyOf(raw, form);
  if (!input) throw new AppError("bad_request", 'Send JSON { "appId": "…", "channel": "beta", "watching": true }.');
  const result = await setWatch(input, userActor(caller.user, requestContext(request.headers)));
  if (form) {
    // Back to the page the form is on (built from the checked ids, never from a client-sent URL).
    const { publicUrl } = env();
    const page = result.channel
      ? channelPageUrl(publicUrl, result.appId, result.channel)
      : `${publicUrl}/apps/${result.appId}`;
    return new Response(null, { status: 303, headers: { Location: page, "Cache-Control": "no-store" } });
  }
  return Response.json(result, { headers: { "Cache-Control": "no-store" } });
});
