import { latestBuildInChannelFor } from "@/lib/channels/data";
import { freshInstallRedirect } from "@/lib/install-links/fresh-install";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ appId: string; channel: string }> };

/** Stable install link: the channel's newest build, with a link minted now. */
export async function GET(_request: Request, context: Context): Promise<Response> {
  const { appId, channel } = await context.params;
  const name = encodeURIComponent(decodeURIComponent(channel));
  return freshInstallRedirect(
    `/apps/${appId}/channels/${name}/install`,
    async (user) => (await latestBuildInChannelFor(user, appId, decodeURIComponent(channel))).build,
    `/apps/${appId}/channels/${name}`,
  );
}
