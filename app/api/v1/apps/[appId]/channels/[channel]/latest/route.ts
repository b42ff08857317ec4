import { requireCaller } from "@/lib/auth/session";
import { buildJson } from "@/lib/builds/build-json";
import { latestBuildInChannelFor } from "@/lib/channels/data";
import { AppError } from "@/lib/errors";
import { withApiErrors } from "@/lib/http/api-errors";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ appId: string; channel: string }> };

/** The newest build of a channel the caller sees: 404 `not_found` (no such channel for you) or `channel_empty`. */
export const GET = withApiErrors(async (request: Request, context: Context) => {
  const { user } = await requireCaller(request, "read");
  const { appId, channel } = await context.params;
  const latest = await latestBuildInChannelFor(user, appId, channel);
  if (!latest.channel) throw new AppError("not_found", "No such channel, or you do not have access to it.");
  if (!latest.build) throw new AppError("channel_empty", `The channel "${latest.channel.name}" has no build yet.`);
  return Response.json(
    { channel: latest.channel.name, build: buildJson(latest.build, user) },
    { headers: { "Cache-Control": "private, no-store" } },
  );
});
