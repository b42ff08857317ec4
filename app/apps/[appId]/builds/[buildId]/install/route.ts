import { getBuildFor } from "@/lib/builds/data";
import { freshInstallRedirect } from "@/lib/install-links/fresh-install";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ appId: string; buildId: string }> };

/** Install one build with a link minted at tap time. */
export async function GET(_request: Request, context: Context): Promise<Response> {
  const { appId, buildId } = await context.params;
  return freshInstallRedirect(
    `/apps/${appId}/builds/${buildId}/install`,
    (user) => getBuildFor(user, appId, buildId),
    `/apps/${appId}/builds/${buildId}`,
  );
}
