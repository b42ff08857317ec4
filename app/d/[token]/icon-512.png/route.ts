import { iconResponse } from "@/lib/download/icon-response";
import { withInstallLinkErrors } from "@/lib/install-links/install-link-errors";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ token: string }> };

export const GET = withInstallLinkErrors(async (request: Request, context: Context) =>
  iconResponse(request, (await context.params).token, 512),
);
export const HEAD = GET;
