import { getAppFor } from "@/lib/apps/data";
import { buildJson } from "@/lib/builds/build-json";
import { listBuildsPageFor } from "@/lib/builds/data";
import { AppError } from "@/lib/errors";
import { apiRoute } from "@/lib/http/api-route";
import { pageQueryFrom } from "@/lib/http/pagination";

export const dynamic = "force-dynamic";

/**
 * An app's builds, newest first, a page at a time (`?limit=&cursor=`, then
 * `nextCursor`), with the caller's own install links and current warnings.
 */
export const GET = apiRoute({ params: ["appId"], permission: "app.read" }, async ({ request, params, user }) => {
  const query = pageQueryFrom(request.url);
  const app = await getAppFor(user, params.appId);
  if (!app) throw new AppError("not_found", "No such app, or you do not have access to it.");
  const now = new Date();
  const page = await listBuildsPageFor(user, app.id, query);
  const builds = page.items.map((build) => buildJson(build, user, now));
  return Response.json(
    { app, builds, nextCursor: page.nextCursor },
    { headers: { "Cache-Control": "private, no-store" } },
  );
});
