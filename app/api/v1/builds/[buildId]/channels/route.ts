import { buildJson } from "@/lib/builds/build-json";
import { getBuildFor } from "@/lib/builds/data";
import { promoteBuild } from "@/lib/channels/mutations";
import { promoteBuildBodySchema } from "@/lib/channels/schema";
import { AppError } from "@/lib/errors";
import { apiRoute } from "@/lib/http/api-route";

export const dynamic = "force-dynamic";

/**
 * Promotes (adds) the build to a channel: `{ "channel": "production" }`. 201
 * when added, 200 when it was there; `channelCreated` when the channel was new
 * (`createChannel: false` refuses that with 422 unknown_channel).
 */
export const POST = apiRoute(
  // Members are refused before their body is read; promoteBuild checks the app itself.
  { params: ["buildId"], permission: "build.promote", body: { json: promoteBuildBodySchema } },
  async ({ params, body, user, actor }) => {
    const result = await promoteBuild(
      { buildId: params.buildId, channel: body.channel, create: body.createChannel ?? true },
      actor,
    );
    const build = await getBuildFor(user, result.build.appId, result.build.id);
    if (!build) throw new AppError("not_found", "No such build, or you do not have access to it.");
    return Response.json(
      {
        build: buildJson(build, user),
        channel: result.channel,
        changed: result.changed,
        channelCreated: result.channelCreated,
      },
      { status: result.changed ? 201 : 200, headers: { "Cache-Control": "no-store" } },
    );
  },
);
