import { withApiErrors } from "@/lib/api/api-errors";
import { iconResponse } from "@/lib/builds/icon-response";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ token: string }> };

export const GET = withApiErrors(async (_request: Request, context: Context) =>
  iconResponse((await context.params).token, 57),
);
