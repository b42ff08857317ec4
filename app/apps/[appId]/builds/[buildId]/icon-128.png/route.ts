import { pageIconResponse } from "@/lib/download/icon-response";
import { withApiErrors } from "@/lib/http/api-errors";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ appId: string; buildId: string }> };

// Session-authorized and cacheable: the icon pages show (the token-bearing /d/… icons are for iOS).
export const GET = withApiErrors(async (request: Request, context: Context) => {
  const { appId, buildId } = await context.params;
  return pageIconResponse(request, appId, buildId, 128);
});
