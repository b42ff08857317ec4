import { recordAudit } from "@/lib/audit/audit";
import { env } from "@/lib/config/env";
import { withApiErrors } from "@/lib/http/api-errors";
import { requestContext } from "@/lib/http/request-context";
import { resolveInstallToken } from "@/lib/install-links/resolve-install-token";
import { installLinks } from "@/lib/install-links/urls";
import { buildManifest } from "@/lib/manifest/build-manifest";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ token: string }> };

// Fetched by iOS's install daemon: no cookies, the token in the path is the authorization.
export const GET = withApiErrors(async (request: Request, context: Context) => {
  const { token } = await context.params;
  const { user, build } = await resolveInstallToken(token);
  await recordAudit({
    action: "manifest.fetch",
    actor: user,
    appId: build.appId,
    buildId: build.id,
    context: requestContext(request.headers),
  });
  const links = installLinks(env().publicUrl, token);
  const xml = buildManifest({
    ipaUrl: links.ipaUrl,
    displayImageUrl: links.icon57Url,
    fullSizeImageUrl: links.icon512Url,
    bundleId: build.bundleId,
    bundleVersion: build.version,
    title: build.name,
  });
  return new Response(xml, {
    headers: {
      "Content-Type": "application/xml; charset=utf-8",
      "Cache-Control": "private, no-store",
    },
  });
});
