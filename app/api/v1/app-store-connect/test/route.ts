import { testAscConnection } from "@/lib/app-store-connect/data";
import { apiRoute } from "@/lib/http/api-route";

export const dynamic = "force-dynamic";

/** Admins (token scope `sign`): "Test connection": the account's certificates and devices per kind. */
export const POST = apiRoute({ scope: "sign", permission: "app-store-connect.manage" }, async ({ actor }) =>
  Response.json({ connection: await testAscConnection(actor) }, { headers: { "Cache-Control": "no-store" } }),
);
