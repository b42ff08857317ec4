import { requireCaller } from "@/lib/auth/session";
import { buildJson } from "@/lib/builds/build-json";
import { getBuildByIdFor } from "@/lib/builds/data";
import { deviceCoverageFor } from "@/lib/devices/data";
import { AppError } from "@/lib/errors";
import { withApiErrors } from "@/lib/http/api-errors";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ buildId: string }> };

/**
 * One build, with the caller's install links and warnings; ad hoc and
 * development builds add `deviceCoverage` over the registered devices the
 * caller may see (admins: all active; others: their own).
 */
export const GET = withApiErrors(async (request: Request, context: Context) => {
  const { user } = await requireCaller(request, "read");
  const { buildId } = await context.params;
  const build = await getBuildByIdFor(user, buildId);
  if (!build) throw new AppError("not_found", "No such build, or you do not have access to it.");
  const coverage = await deviceCoverageFor(user, build);
  return Response.json(
    { build: { ...buildJson(build, user), ...(coverage ? { deviceCoverage: coverage } : {}) } },
    { headers: { "Cache-Control": "private, no-store" } },
  );
});
