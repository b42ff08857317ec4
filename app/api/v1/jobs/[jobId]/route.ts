import { apiRoute } from "@/lib/http/api-route";
import { getJob } from "@/lib/jobs/data";

export const dynamic = "force-dynamic";

/** Admins (session, or a token with the `sign` scope): a background job's status, its build when done, its error. */
export const GET = apiRoute(
  { params: ["jobId"], scope: "sign", permission: "signing.manage" },
  async ({ params, actor }) => {
    const job = await getJob(actor, params.jobId);
    return Response.json({ job }, { headers: { "Cache-Control": "no-store" } });
  },
);
