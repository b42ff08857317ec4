import { iconResponse } from "@/lib/download/icon-response";
import { withApiErrors } from "@/lib/http/api-errors";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ token: string }> };

export const GET = withApiErrors(async (request: Request, context: Context) =>
  iconResponse(request, (await context.params).token, 512),
);
export const HEAD = GET;
