import { queueAudit } from "@/lib/audit/audit-queue";
import { env } from "@/lib/config/env";
import { requestContext } from "@/lib/http/request-context";
import { resolveInstallToken } from "@/lib/install-links/resolve-install-token";
import { installLinks } from "@/lib/install-links/urls";
import { buildManifest } from "@/lib/manifest/build-manifest";

/**
 * The manifest iOS's install daemon fetches (no cookies: the token in the path
 * is the authorization); every URL in it carries the same token. Audited.
 */
export async function manifestResponse(request: Request, token: string): Promise<Response> {
  const { user, build } = await resolveInstallToken(token);
  await queueAudit({
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
}
