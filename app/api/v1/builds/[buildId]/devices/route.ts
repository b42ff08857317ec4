import { provisioningStateFor } from "@/lib/app-store-connect/data";
import { requestProvisioning } from "@/lib/app-store-connect/mutations";
import { provisionBodySchema } from "@/lib/app-store-connect/schema";
import { AppError } from "@/lib/errors";
import { apiRoute } from "@/lib/http/api-route";

export const dynamic = "force-dynamic";

const noStore = { "Cache-Control": "no-store" };

/** Whoever sees the build: their devices it lacks, the ones waiting, the job and the re-signed build. */
export const GET = apiRoute({ params: ["buildId"] }, async ({ params, user }) => {
  const state = await provisioningStateFor(user, params.buildId);
  if (!state) throw new AppError("not_found", "No such build.");
  return Response.json({ provisioning: state }, { headers: noStore });
});

/**
 * "Add my iPhone": `{}` adds the caller's own devices the build lacks (admins:
 * every device it lacks, "Add the N missing devices"), `{ deviceIds }` named ones.
 * 202 with the job; the devices join the app's next profile regeneration.
 */
export const POST = apiRoute(
  { params: ["buildId"], permission: "app.read", body: { json: provisionBodySchema } },
  async ({ params, body, actor }) => {
    const job = await requestProvisioning({ ...body, buildId: params.buildId }, actor);
    return Response.json(
      { job: { id: job.id, status: job.status, runAt: job.runAt.toISOString() } },
      { status: 202, headers: noStore },
    );
  },
);
