import { env } from "@/lib/config/env";
import { AppError } from "@/lib/errors";
import { apiRoute } from "@/lib/http/api-route";
import { WATCH_BODY_MAX_BYTES } from "@/lib/http/body-limits";
import { channelPageUrl } from "@/lib/install-links/urls";
import { listWatchesFor, notificationsEnabled } from "@/lib/notifications/data";
import { setWatch } from "@/lib/notifications/mutations";
import { watchBodyOf } from "@/lib/notifications/schema";

export const dynamic = "force-dynamic";

/** What the caller watches (session, or a token with the `read` scope), and whether this server sends email. */
export const GET = apiRoute({ permission: "app.watch" }, async ({ user }) => {
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
export const POST = apiRoute(
  // A read-only token may watch: it changes only the caller's own email preferences.
  { permission: "app.watch", scope: "read", body: { bytes: WATCH_BODY_MAX_BYTES } },
  async ({ request, body, actor }) => {
    const form = (request.headers.get("content-type") ?? "").startsWith("application/x-www-form-urlencoded");
    const input = watchBodyOf(body.toString("utf8"), form);
    if (!input) throw new AppError("bad_request", 'Send JSON { "appId": "…", "channel": "beta", "watching": true }.');
    const result = await setWatch(input, actor);
    if (form) {
      // Back to the page the form is on (built from the checked ids, never from a client-sent URL).
      const { publicUrl } = env();
      const page = result.channel
        ? channelPageUrl(publicUrl, result.appId, result.channel)
        : `${publicUrl}/apps/${result.appId}`;
      return new Response(null, { status: 303, headers: { Location: page, "Cache-Control": "no-store" } });
    }
    return Response.json(result, { headers: { "Cache-Control": "no-store" } });
  },
);
