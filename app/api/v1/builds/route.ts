import { buildJson } from "@/lib/builds/build-json";
import { createChannelFlagSchema } from "@/lib/channels/schema";
import { env } from "@/lib/config/env";
import { AppError } from "@/lib/errors";
import { apiRoute } from "@/lib/http/api-route";
import { requestContext } from "@/lib/http/request-context";
import { uploadTmpDir } from "@/lib/storage/build-files";
import { ingestBuild } from "@/lib/upload/ingest-build";
import { readUploadRequest } from "@/lib/upload/read-upload-request";
import { discardTempFile } from "@/lib/upload/receive-upload";

export const dynamic = "force-dynamic";

/**
 * Upload a build: raw .ipa body or multipart field `file`; optional `notes`,
 * `channel` and `createChannel` (false: refuse a channel the app does not have).
 */
export const POST = apiRoute(
  // The body streams to disk (readUploadRequest); who may send it is checked first, by the wrapper.
  { permission: "build.upload", body: { stream: true } },
  async ({ request, caller }) => {
    const config = env();
    const { file, fields } = await readUploadRequest(request, {
      tmpDir: uploadTmpDir(config.dataDir),
      maxBytes: config.maxUploadBytes,
    });
    const query = new URL(request.url).searchParams;
    const notes = fields.notes ?? query.get("notes");
    const targetAppId = fields.appId ?? query.get("appId");
    const channel = fields.channel ?? query.get("channel");
    const flag = createChannelFlagSchema.safeParse(fields.createChannel ?? query.get("createChannel") ?? "");
    if (!flag.success) {
      await discardTempFile(file.path);
      throw new AppError("bad_request", "createChannel is true or false.");
    }
    const createChannel = flag.data;
    const { build, created, notice, channelsCreated } = await ingestBuild({
      file,
      uploader: caller.user,
      via: caller.via,
      context: requestContext(request.headers),
      notes,
      targetAppId,
      channel,
      createChannel,
    });
    return Response.json(
      { build: buildJson(build, caller.user), channelsCreated, ...(notice ? { duplicate: notice } : {}) },
      { status: created ? 201 : 200, headers: { "Cache-Control": "no-store" } },
    );
  },
);
