import { canUploadAtAll } from "@/lib/access/app-access";
import { inspectProfileFile } from "@/lib/analysis/inspect-profile";
import { MAX_PROFILE_BYTES } from "@/lib/analysis/profile/parse-profile";
import { requireCaller } from "@/lib/auth/session";
import { env } from "@/lib/config/env";
import { AppError } from "@/lib/errors";
import { withApiErrors } from "@/lib/http/api-errors";
import { assertSameOrigin } from "@/lib/http/same-origin";
import { uploadTmpDir } from "@/lib/storage/build-files";
import { readUploadRequest } from "@/lib/upload/read-upload-request";

export const dynamic = "force-dynamic";

/** Inspect a .mobileprovision (raw body or multipart field `file`): nothing is stored. */
export const POST = withApiErrors(async (request: Request) => {
  const caller = await requireCaller(request, "upload");
  if (!canUploadAtAll(caller.user)) throw new AppError("forbidden", "Only admins and uploaders can inspect profiles.");
  if (caller.via === "session") assertSameOrigin(request);
  const { file } = await readUploadRequest(request, {
    tmpDir: uploadTmpDir(env().dataDir),
    maxBytes: MAX_PROFILE_BYTES,
  });
  const result = await inspectProfileFile(file);
  return Response.json(result, { headers: { "Cache-Control": "no-store" } });
});
