import { listAppsFor } from "@/lib/apps/data";
import { apiRoute } from "@/lib/http/api-route";

export const dynamic = "force-dynamic";

/** Apps the caller can see, most recently updated first. */
export const GET = apiRoute({ permission: "app.read" }, async ({ user }) =>
  Response.json({ apps: await listAppsFor(user) }, { headers: { "Cache-Control": "private, no-store" } }),
);
