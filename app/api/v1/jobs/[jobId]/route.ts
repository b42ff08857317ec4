import { userActor } from "@/lib/access/actor";
import { requireCaller } from "@/lib/auth/session";
import { withApiErrors } from "@/lib/http/api-errors";
import { requestContext } from "@/lib/http/request-context";
import { getJob } from "@/lib/jobs/data";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ jobId: string }> };

/** Admins (session, or a token with the `sign` scope): a background job's status, its build when done, its error. */
export const GET = withApiErrors(async (request: Request, context: Context) => {
  const caller = await requireCaller(request, "sign");
  const { jobId } = await context.params;
  const job = await getJob(userActor(caller.user, requestContext(request.headers)), jobId);
  return Response.json({ job }, { headers: { "Cache-Control": "no-store" } });
});
