import { iconResponse } from "@/lib/download/icon-response";
import { withInstallLinkErrors } from "@/lib/install-links/install-link-errors";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ token: string }> };

export const GET = withInstallLinkErrors(async (_request: Request, context: Context) =>
  iconResponse((await context.params).token, 57),
);
