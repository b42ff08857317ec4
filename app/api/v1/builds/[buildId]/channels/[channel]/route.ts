import { buildJson } from "@/lib/builds/build-json";
import { getBuildFor } from "@/lib/builds/data";
import { parseChannelName } from "@/lib/channels/data";
import { removeBuildFromChannel } from "@/lib/channels/mutations";
import { AppError } from "@/lib/errors";
import { apiRoute } from "@/lib/http/api-route";

export const dynamic = "force-dynamic";

/**
 * Takes the build out of a channel (the build stays): 200 with the build. 409
 * `conflict` when it is the build's only channel; 404 when it is not in it.
 */
export const DELETE = apiRoute(
  // Members are refused here; removeBuildFromChannel checks the app and the channel.
  { params: ["buildId", "channel"], permission: "build.promote" },
  async ({ params, user, actor }) => {
    const channel = parseChannelName(params.channel);
    if (channel === null) throw new AppError("not_found", "No such channel, or you do not have access to it.");
    const result = await removeBuildFromChannel({ buildId: params.buildId, channel }, actor);
    const build = await getBuildFor(user, result.build.appId, result.build.id);
    if (!build) throw new AppError("not_found", "No such build, or you do not have access to it.");
    return Response.json(
      { build: buildJson(build, user), removedFrom: result.channel },
      { headers: { "Cache-Control": "no-store" } },
    );
  },
);
