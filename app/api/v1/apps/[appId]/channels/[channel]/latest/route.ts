import { buildJson } from "@/lib/builds/build-json";
import { latestBuildInChannelFor } from "@/lib/channels/data";
import { AppError } from "@/lib/errors";
import { apiRoute } from "@/lib/http/api-route";

export const dynamic = "force-dynamic";

/** The newest build of a channel the caller sees: 404 `not_found` (no such channel for you) or `channel_empty`. */
export const GET = apiRoute({ params: ["appId", "channel"], permission: "app.read" }, async ({ params, user }) => {
  const latest = await latestBuildInChannelFor(user, params.appId, params.channel);
  if (!latest.channel) throw new AppError("not_found", "No such channel, or you do not have access to it.");
  if (!latest.build) throw new AppError("channel_empty", `The channel "${latest.channel.name}" has no build yet.`);
  return Response.json(
    { channel: latest.channel.name, build: buildJson(latest.build, user) },
    { headers: { "Cache-Control": "private, no-store" } },
  );
});
