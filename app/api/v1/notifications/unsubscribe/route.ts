import { publicApiRoute } from "@/lib/http/api-route";
import { unsubscribeWithToken } from "@/lib/notifications/mutations";

export const dynamic = "force-dynamic";

/**
 * RFC 8058 one-click unsubscribe: mail clients POST `List-Unsubscribe=One-Click` to the URL of
 * an email's List-Unsubscribe header. No session (the signed token is the authorization), so no
 * same-origin check; it only ever removes watches. 200 `{ removed }`; a bad token 404.
 */
export const POST = publicApiRoute({}, async ({ request }) => {
  const token = new URL(request.url).searchParams.get("token") ?? "";
  const result = await unsubscribeWithToken(token);
  return Response.json(result, { headers: { "Cache-Control": "no-store" } });
});
