import { buildJson } from "@/lib/builds/build-json";
import { getBuildByIdFor, getBuildFor } from "@/lib/builds/data";
import { deleteBuild, editBuildNotes } from "@/lib/builds/mutations";
import { editNotesBodySchema } from "@/lib/builds/schema";
import { deviceCoverageFor } from "@/lib/devices/data";
import { AppError } from "@/lib/errors";
import { apiRoute } from "@/lib/http/api-route";

export const dynamic = "force-dynamic";

/**
 * One build, with the caller's install links and warnings; ad hoc and
 * development builds add `deviceCoverage` over the registered devices the
 * caller may see (admins: all active; others: their own).
 */
export const GET = apiRoute({ params: ["buildId"], permission: "app.read" }, async ({ params, user }) => {
  const build = await getBuildByIdFor(user, params.buildId);
  if (!build) throw new AppError("not_found", "No such build, or you do not have access to it.");
  const coverage = await deviceCoverageFor(user, build);
  return Response.json(
    { build: { ...buildJson(build, user), ...(coverage ? { deviceCoverage: coverage } : {}) } },
    { headers: { "Cache-Control": "private, no-store" } },
  );
});

/** Edits the release notes (Markdown): `{ "notes": "…" }`; an empty string removes them. */
export const PATCH = apiRoute(
  // Members are refused before their body is read; editBuildNotes checks the app itself.
  { params: ["buildId"], permission: "build.edit", body: { json: editNotesBodySchema } },
  async ({ params, body, user, actor }) => {
    const result = await editBuildNotes({ buildId: params.buildId, notes: body.notes }, actor);
    const build = await getBuildFor(user, result.appId, result.buildId);
    if (!build) throw new AppError("not_found", "No such build, or you do not have access to it.");
    return Response.json(
      { build: buildJson(build, user), changed: result.changed },
      { headers: { "Cache-Control": "no-store" } },
    );
  },
);

/** Deletes the build, its file and icons; its install links stop at once (deleteBuild checks who may). */
export const DELETE = apiRoute({ params: ["buildId"] }, async ({ params, actor }) => {
  await deleteBuild({ buildId: params.buildId }, actor);
  return new Response(null, { status: 204 });
});
