import { apiRoute } from "@/lib/http/api-route";
import { toJobDto } from "@/lib/jobs/data";
import { listRenewableBuilds, renewProfileBuilds } from "@/lib/signing/resign/renew";
import { renewBodySchema } from "@/lib/signing/resign/schema";

export const dynamic = "force-dynamic";

/** Admins (session, or a token with the `sign` scope): the builds renewing this profile would re-sign. */
export const GET = apiRoute(
  { params: ["profileId"], scope: "sign", permission: "signing.manage" },
  async ({ params, actor }) => {
    const builds = await listRenewableBuilds(actor, params.profileId);
    return Response.json({ builds }, { headers: { "Cache-Control": "no-store" } });
  },
);

/**
 * Admins: `{ profileId, identityId }` (the newer profile) re-signs the newest
 * build of every channel that embeds this profile, one job per build. 202.
 */
export const POST = apiRoute(
  { params: ["profileId"], scope: "sign", permission: "signing.manage", body: { json: renewBodySchema } },
  async ({ params, body, actor }) => {
    const queued = await renewProfileBuilds({ ...body, oldProfileId: params.profileId }, actor);
    const jobs = queued.map(({ job, buildId, channels }) => {
      const dto = toJobDto(job);
      return { id: dto.id, status: dto.status, url: dto.url, buildId, channels };
    });
    return Response.json({ jobs }, { status: 202, headers: { "Cache-Control": "no-store" } });
  },
);
