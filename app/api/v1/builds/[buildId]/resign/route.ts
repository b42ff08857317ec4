import { assertAdmin, userActor } from "@/lib/access/actor";
import { requireCaller } from "@/lib/auth/session";
import { AppError } from "@/lib/errors";
import { withApiErrors } from "@/lib/http/api-errors";
import { JSON_BODY_MAX_BYTES } from "@/lib/http/body-limits";
import { readJsonBody } from "@/lib/http/read-small-body";
import { requestContext } from "@/lib/http/request-context";
import { assertSameOrigin } from "@/lib/http/same-origin";
import { toJobDto } from "@/lib/jobs/data";
import { requestResign } from "@/lib/signing/resign/resign-build";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ buildId: string }> };

/**
 * Admins (session from our own origin, or a token with the `sign` scope):
 * `{ identityId, profileId }` or `{ identityId, profiles: { "<bundle id>": "<profile id>" } }`,
 * optional `channels`. 202 with the job to poll.
 */
export const POST = withApiErrors(async (request: Request, context: Context) => {
  const caller = await requireCaller(request, "sign");
  const actor = userActor(caller.user, requestContext(request.headers));
  assertAdmin(actor);
  if (caller.via === "session") assertSameOrigin(request);
  const { buildId } = await context.params;
  const body: unknown = await readJsonBody(request, JSON_BODY_MAX_BYTES);
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    throw new AppError("bad_request", 'Send JSON { "identityId": "…", "profileId": "…" }.');
  }
  const job = toJobDto(
    await requestResign(
      { ...(body as Record<string, unknown>), buildId } as Parameters<typeof requestResign>[0],
      actor,
    ),
  );
  return Response.json(
    { job: { id: job.id, status: job.status, url: job.url } },
    { status: 202, headers: { "Cache-Control": "no-store", Location: job.url } },
  );
});
