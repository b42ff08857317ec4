import { iconResponse } from "@/lib/download/icon-response";
import { withApiErrors } from "@/lib/http/api-errors";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ token: string }> };

export const GET = withApiErrors(async (_request: Request, context: Context) =>
  iconResponse((await context.params).token, 57),
);
