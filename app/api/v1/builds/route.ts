import { canUploadAtAll } from "@/lib/access/app-access";
import { withApiErrors } from "@/lib/api/api-errors";
import { assertSameOrigin } from "@/lib/api/same-origin";
import { recordAudit } from "@/lib/audit/audit";
import { requireCaller } from "@/lib/auth/session";
import { buildJson } from "@/lib/builds/build-json";
import { ingestBuild } from "@/lib/builds/ingest-build";
import { env } from "@/lib/config/env";
import { AppError } from "@/lib/errors";
import { requestContext } from "@/lib/http/request-context";
import { uploadTmpDir } from "@/lib/storage/build-files";
import { readUploadRequest } from "@/lib/uploads/read-upload-request";

export const dynamic = "force-dynamic";

/** Upload a build: raw .ipa body or multipart field `file`; optional `notes`. */
export const POST = withApiErrors(async (request: Request) => {
  const caller = await requireCaller(request, "upload");
  if (!canUploadAtAll(caller.user)) throw new AppError("forbidden", "Only admins and uploaders can upload builds.");
  if (caller.via === "session") assertSameOrigin(request);

  const config = env();
  const { file, fields } = await readUploadRequest(request, {
    tmpDir: uploadTmpDir(config.dataDir),
    maxBytes: config.maxUploadBytes,
  });
  const query = new URL(request.url).searchParams;
  const notes = fields.notes ?? query.get("notes");
  const targetAppId = fields.appId ?? query.get("appId");
  const { build, created } = await ingestBuild({ file, uploader: caller.user, notes, targetAppId });
  if (created) {
    await recordAudit({
      action: "build.upload",
      actor: caller.user,
      appId: build.appId,
      buildId: build.id,
      context: requestContext(request.headers),
      details: { via: caller.via, version: build.version, buildNumber: build.buildNumber, sizeBytes: build.sizeBytes },
    });
  }
  return Response.json(
    { build: buildJson(build, caller.user) },
    { status: created ? 201 : 200, headers: { "Cache-Control": "no-store" } },
  );
});
