import { apiRoute } from "@/lib/http/api-route";
import { toJobDto } from "@/lib/jobs/data";
import { requestResign } from "@/lib/signing/resign/request";
import { type ResignRequest, resignBodySchema } from "@/lib/signing/resign/schema";

export const dynamic = "force-dynamic";

/**
 * Admins (session from our own origin, or a token with the `sign` scope):
 * `{ identityId, profileId }` or `{ identityId, profiles: { "<bundle id>": "<profile id>" } }`,
 * optional `channels`. 202 with the job to poll.
 */
export const POST = apiRoute(
  { params: ["buildId"], scope: "sign", permission: "signing.manage", body: { json: resignBodySchema } },
  async ({ params, body, actor }) => {
    const job = toJobDto(await requestResign({ ...body, buildId: params.buildId } as ResignRequest, actor));
    return Response.json(
      { job: { id: job.id, status: job.status, url: job.url } },
      { status: 202, headers: { "Cache-Control": "no-store", Location: job.url } },
    );
  },
);
