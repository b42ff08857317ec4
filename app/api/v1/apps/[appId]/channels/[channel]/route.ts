import { parseChannelName } from "@/lib/channels/data";
import { deleteChannel, renameChannel } from "@/lib/channels/mutations";
import { renameChannelBodySchema } from "@/lib/channels/schema";
import { AppError } from "@/lib/errors";
import { apiRoute } from "@/lib/http/api-route";

export const dynamic = "force-dynamic";

function channelParam(value: string): string {
  const channel = parseChannelName(value);
  if (channel === null) throw new AppError("not_found", "No such channel, or you do not have access to it.");
  return channel;
}

/** Renames a channel: `{ "name": "production" }`. 200 `{ channel, previous, changed }`; 409 when the name is taken. */
export const PATCH = apiRoute(
  { params: ["appId", "channel"], permission: "channel.rename", body: { json: renameChannelBodySchema } },
  async ({ params, body, actor }) => {
    const result = await renameChannel(
      { appId: params.appId, channel: channelParam(params.channel), name: body.name },
      actor,
    );
    return Response.json(
      { channel: result.to, previous: result.from, changed: result.changed },
      { headers: { "Cache-Control": "no-store" } },
    );
  },
);

/**
 * Deletes a channel; its builds are never deleted. Builds in no other channel
 * move to `?moveTo=<channel>` (409 `conflict` without it). 200 with what moved.
 */
export const DELETE = apiRoute(
  { params: ["appId", "channel"], permission: "channel.delete" },
  async ({ request, params, actor }) => {
    const moveTo = new URL(request.url).searchParams.get("moveTo");
    const result = await deleteChannel(
      { appId: params.appId, channel: channelParam(params.channel), moveTo: moveTo || null },
      actor,
    );
    return Response.json(
      {
        deleted: result.channel,
        buildsRemoved: result.buildsRemoved,
        buildsMoved: result.buildsMoved,
        moveTo: result.moveTo,
      },
      { headers: { "Cache-Control": "no-store" } },
    );
  },
);
