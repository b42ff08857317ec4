import { latestBuildInChannelFor, parseChannelName } from "@/lib/channels/data";
import { freshInstallRedirect } from "@/lib/install-links/fresh-install";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ appId: string; channel: string }> };

/** Stable install link: the channel's newest build, with a link minted now. */
export async function GET(_request: Request, context: Context): Promise<Response> {
  const { appId, channel } = await context.params;
  // An impossible name finds no channel; it still needs a path to come back to.
  const name = encodeURIComponent(parseChannelName(channel) ?? "-");
  return freshInstallRedirect(
    `/apps/${appId}/channels/${name}/install`,
    async (user) => (await latestBuildInChannelFor(user, appId, channel)).build,
    `/apps/${appId}/channels/${name}`,
  );
}
