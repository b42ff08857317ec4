import { listAppsPageFor } from "@/lib/apps/data";
import { apiRoute } from "@/lib/http/api-route";
import { pageQueryFrom } from "@/lib/http/pagination";

export const dynamic = "force-dynamic";

/** Apps the caller can see, most recently updated first, a page at a time (`?limit=&cursor=`, then `nextCursor`). */
export const GET = apiRoute({ permission: "app.read" }, async ({ request, user }) => {
  const page = await listAppsPageFor(user, pageQueryFrom(request.url));
  return Response.json(
    { apps: page.items, nextCursor: page.nextCursor },
    { headers: { "Cache-Control": "private, no-store" } },
  );
});
