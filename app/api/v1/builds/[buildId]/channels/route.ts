import { z } from "zod";
import { userActor } from "@/lib/access/actor";
import { canUploadAtAll } from "@/lib/access/app-access";
import { requireCaller } from "@/lib/auth/session";
import { buildJson } from "@/lib/builds/build-json";
import { getBuildFor } from "@/lib/builds/data";
import { promoteBuild } from "@/lib/channels/mutations";
import { AppError, parseInput } from "@/lib/errors";
import { withApiErrors } from "@/lib/http/api-errors";
import { JSON_BODY_MAX_BYTES } from "@/lib/http/body-limits";
import { readJsonBody } from "@/lib/http/read-small-body";
import { requestContext } from "@/lib/http/request-context";
import { assertSameOrigin } from "@/lib/http/same-origin";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ buildId: string }> };

const body = z.object({ channel: z.string() }, { message: 'Send JSON { "channel": "beta" }.' });

/** Promotes (adds) the build to a channel: `{ "channel": "production" }`. 201 when added, 200 when it was there. */
export const POST = withApiErrors(async (request: Request, context: Context) => {
  const caller = await requireCaller(request, "upload");
  // Members are refused before their body is read; promoteBuild checks the app itself.
  if (!canUploadAtAll(caller.user)) throw new AppError("forbidden", "Only admins and uploaders can promote builds.");
  if (caller.via === "session") assertSameOrigin(request);
  const { buildId } = await context.params;
  const input = parseInput(body, await readJsonBody(request, JSON_BODY_MAX_BYTES));
  const result = await promoteBuild(
    { buildId, channel: input.channel },
    userActor(caller.user, requestContext(request.headers)),
  );
  const build = await getBuildFor(caller.user, result.build.appId, result.build.id);
  if (!build) throw new AppError("not_found", "No such build, or you do not have access to it.");
  return Response.json(
    { build: buildJson(build, caller.user), channel: result.channel, changed: result.changed },
    { status: result.changed ? 201 : 200, headers: { "Cache-Control": "no-store" } },
  );
});
