import { withInstallLinkErrors } from "@/lib/install-links/install-link-errors";
import { manifestResponse } from "@/lib/manifest/manifest-response";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ token: string }> };

// Fetched by iOS's install daemon: no cookies, the token in the path is the authorization.
export const GET = withInstallLinkErrors(async (request: Request, context: Context) =>
  manifestResponse(request, (await context.params).token),
);
