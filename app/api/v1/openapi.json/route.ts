import { openApiDocument } from "@/lib/api-docs/openapi";
import { env } from "@/lib/config/env";
import { withApiErrors } from "@/lib/http/api-errors";

export const dynamic = "force-dynamic";

/** The OpenAPI document of this API; public (no sign-in), like any API's documentation. */
export const GET = withApiErrors(async () =>
  Response.json(openApiDocument(env().publicUrl), {
    headers: { "Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*" },
  }),
);
