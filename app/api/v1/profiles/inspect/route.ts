import { inspectProfileFile } from "@/lib/analysis/inspect-profile";
import { env } from "@/lib/config/env";
import { apiRoute } from "@/lib/http/api-route";
import { MAX_PROFILE_BYTES } from "@/lib/http/body-limits";
import { uploadTmpDir } from "@/lib/storage/build-files";
import { readUploadRequest } from "@/lib/upload/read-upload-request";

export const dynamic = "force-dynamic";

/** Inspect a .mobileprovision (raw body or multipart field `file`): nothing is stored. */
export const POST = apiRoute({ permission: "profile.inspect", body: { stream: true } }, async ({ request }) => {
  const { file } = await readUploadRequest(request, {
    tmpDir: uploadTmpDir(env().dataDir),
    maxBytes: MAX_PROFILE_BYTES,
  });
  const result = await inspectProfileFile(file);
  return Response.json(result, { headers: { "Cache-Control": "no-store" } });
});
