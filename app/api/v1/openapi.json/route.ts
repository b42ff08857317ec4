import { openApiDocument } from "@/lib/api-docs/openapi";
import { env } from "@/lib/config/env";
import { publicApiRoute } from "@/lib/http/api-route";

export const dynamic = "force-dynamic";

/** The OpenAPI document of this API; public (no sign-in), like any API's documentation. */
export const GET = publicApiRoute({}, async () =>
  Response.json(openApiDocument(env().publicUrl), {
    headers: { "Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*" },
  }),
);
