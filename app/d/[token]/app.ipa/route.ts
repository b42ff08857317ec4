import { ipaResponse } from "@/lib/download/ipa-response";
import { withInstallLinkErrors } from "@/lib/install-links/install-link-errors";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ token: string }> };

async function serve(request: Request, context: Context): Promise<Response> {
  return ipaResponse(request, (await context.params).token);
}

export const GET = withInstallLinkErrors(serve);
export const HEAD = withInstallLinkErrors(serve);
