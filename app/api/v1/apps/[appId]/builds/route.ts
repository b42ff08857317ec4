import { getAppFor } from "@/lib/apps/data";
import { requireCaller } from "@/lib/auth/session";
import { buildJson } from "@/lib/builds/build-json";
import { listBuildsFor } from "@/lib/builds/data";
import { AppError } from "@/lib/errors";
import { withApiErrors } from "@/lib/http/api-errors";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ appId: string }> };

/** Every build of an app, newest first, with the caller's own install links and current warnings. */
export const GET = withApiErrors(async (request: Request, context: Context) => {
  const { user } = await requireCaller(request, "read");
  const { appId } = await context.params;
  const app = await getAppFor(user, appId);
  if (!app) throw new AppError("not_found", "No such app, or you do not have access to it.");
  const now = new Date();
  const builds = (await listBuildsFor(user, app.id)).map((build) => buildJson(build, user, now));
  return Response.json({ app, builds }, { headers: { "Cache-Control": "private, no-store" } });
});
