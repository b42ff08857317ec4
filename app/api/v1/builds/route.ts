import { withApiErrors } from "@/lib/api/api-errors";
import { assertSameOrigin } from "@/lib/api/same-origin";
import { canUpload, requireCaller } from "@/lib/auth/session";
import { ingestBuild } from "@/lib/builds/ingest-build";
import { installLinksFor } from "@/lib/builds/install-links-for";
import { env } from "@/lib/config/env";
import { AppError } from "@/lib/errors";
import { uploadTmpDir } from "@/lib/storage/build-files";
import { readUploadRequest } from "@/lib/uploads/read-upload-request";

export const dynamic = "force-dynamic";

/** Upload a build: raw .ipa body or multipart field `file`; optional `notes`. */
export const POST = withApiErrors(async (request: Request) => {
  const caller = await requireCaller(request, "upload");
  if (!canUpload(caller.user)) throw new AppError("forbidden", "Only admins and uploaders can upload builds.");
  if (caller.via === "session") assertSameOrigin(request);

  const config = env();
  const { file, fields } = await readUploadRequest(request, {
    tmpDir: uploadTmpDir(config.dataDir),
    maxBytes: config.maxUploadBytes,
  });
  const notes = fields.notes ?? new URL(request.url).searchParams.get("notes");
  const { build, created } = await ingestBuild({ file, uploader: caller.user, notes });
  const links = installLinksFor(caller.user.id, build);
  return Response.json(
    {
      build: {
        id: build.id,
        appId: build.appId,
        bundleId: build.bundleId,
        version: build.version,
        buildNumber: build.buildNumber,
        name: build.name,
        minimumOsVersion: build.minimumOsVersion,
        sizeBytes: build.sizeBytes,
        sha256: build.sha256,
        notes: build.notes,
        createdAt: build.createdAt,
        pageUrl: links.pageUrl,
        manifestUrl: links.manifestUrl,
        installUrl: links.itmsServicesUrl,
        installLinkExpiresAt: links.expiresAt,
      },
    },
    { status: created ? 201 : 200, headers: { "Cache-Control": "no-store" } },
  );
});
