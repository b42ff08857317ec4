import { getAppFor } from "@/lib/apps/data";
import { buildJson } from "@/lib/builds/build-json";
import { listBuildsFor } from "@/lib/builds/data";
import { AppError } from "@/lib/errors";
import { apiRoute } from "@/lib/http/api-route";

export const dynamic = "force-dynamic";

/** Every build of an app, newest first, with the caller's own install links and current warnings. */
export const GET = apiRoute({ params: ["appId"], permission: "app.read" }, async ({ params, user }) => {
  const app = await getAppFor(user, params.appId);
  if (!app) throw new AppError("not_found", "No such app, or you do not have access to it.");
  const now = new Date();
  const builds = (await listBuildsFor(user, app.id)).map((build) => buildJson(build, user, now));
  return Response.json({ app, builds }, { headers: { "Cache-Control": "private, no-store" } });
});
