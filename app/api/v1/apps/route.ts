import { listAppsFor } from "@/lib/apps/data";
import { requireCaller } from "@/lib/auth/session";
import { withApiErrors } from "@/lib/http/api-errors";

export const dynamic = "force-dynamic";

/** Apps the caller can see, most recently updated first. */
export const GET = withApiErrors(async (request: Request) => {
  const { user } = await requireCaller(request, "read");
  return Response.json({ apps: await listAppsFor(user) }, { headers: { "Cache-Control": "private, no-store" } });
});
