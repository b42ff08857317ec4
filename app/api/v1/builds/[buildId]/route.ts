import { z } from "zod";
import { userActor } from "@/lib/access/actor";
import { canUploadAtAll } from "@/lib/access/app-access";
import { requireCaller } from "@/lib/auth/session";
import { buildJson } from "@/lib/builds/build-json";
import { getBuildByIdFor, getBuildFor } from "@/lib/builds/data";
import { deleteBuild, editBuildNotes } from "@/lib/builds/mutations";
import { deviceCoverageFor } from "@/lib/devices/data";
import { AppError, parseInput } from "@/lib/errors";
import { withApiErrors } from "@/lib/http/api-errors";
import { JSON_BODY_MAX_BYTES } from "@/lib/http/body-limits";
import { readJsonBody } from "@/lib/http/read-small-body";
import { requestContext } from "@/lib/http/request-context";
import { assertSameOrigin } from "@/lib/http/same-origin";

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

const patchBody = z.object({ notes: z.string() }, { message: 'Send JSON { "notes": "…" }.' });

/** Edits the release notes (Markdown): `{ "notes": "…" }`; an empty string removes them. */
export const PATCH = withApiErrors(async (request: Request, context: Context) => {
  const caller = await requireCaller(request, "upload");
  // Members are refused before their body is read; editBuildNotes checks the app itself.
  if (!canUploadAtAll(caller.user))
    throw new AppError("forbidden", "Only admins and uploaders can edit release notes.");
  if (caller.via === "session") assertSameOrigin(request);
  const { buildId } = await context.params;
  const body = parseInput(patchBody, await readJsonBody(request, JSON_BODY_MAX_BYTES));
  const actor = userActor(caller.user, requestContext(request.headers));
  const result = await editBuildNotes({ buildId, notes: body.notes }, actor);
  const build = await getBuildFor(caller.user, result.appId, result.buildId);
  if (!build) throw new AppError("not_found", "No such build, or you do not have access to it.");
  return Response.json(
    { build: buildJson(build, caller.user), changed: result.changed },
    { headers: { "Cache-Control": "no-store" } },
  );
});

/** Deletes the build, its file and icons; its install links stop at once. */
export const DELETE = withApiErrors(async (request: Request, context: Context) => {
  const caller = await requireCaller(request, "upload");
  if (caller.via === "session") assertSameOrigin(request);
  const { buildId } = await context.params;
  await deleteBuild({ buildId }, userActor(caller.user, requestContext(request.headers)));
  return new Response(null, { status: 204 });
});
