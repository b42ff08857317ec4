import { ipaResponse } from "@/lib/download/ipa-response";
import { withApiErrors } from "@/lib/http/api-errors";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ token: string }> };

async function serve(request: Request, context: Context): Promise<Response> {
  return ipaResponse(request, (await context.params).token);
}

export const GET = withApiErrors(serve);
export const HEAD = withApiErrors(serve);
