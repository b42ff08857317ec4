import { apiRoute } from "@/lib/http/api-route";
import { previewResign } from "@/lib/signing/resign/preview";
import { type ResignRequest, resignBodySchema } from "@/lib/signing/resign/schema";

export const dynamic = "force-dynamic";

/**
 * Admins (session from our own origin, or a token with the `sign` scope): the
 * same body as POST …/resign; 200 with each bundle's profile, entitlements
 * before and after, and what would refuse it. Nothing is written, no job.
 */
export const POST = apiRoute(
  { params: ["buildId"], scope: "sign", permission: "signing.manage", body: { json: resignBodySchema } },
  async ({ params, body, actor }) => {
    const preview = await previewResign({ ...body, buildId: params.buildId } as ResignRequest, actor);
    return Response.json({ preview }, { headers: { "Cache-Control": "no-store" } });
  },
);
