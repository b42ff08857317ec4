import { apiRoute } from "@/lib/http/api-route";
import { deleteSigningProfile } from "@/lib/signing/profiles/mutations";

export const dynamic = "force-dynamic";

/** Admins (session from our own origin, or a token with the `sign` scope): deletes the profile. 204. */
export const DELETE = apiRoute(
  { params: ["profileId"], scope: "sign", permission: "signing.manage" },
  async ({ params, actor }) => {
    await deleteSigningProfile({ profileId: params.profileId }, actor);
    return new Response(null, { status: 204, headers: { "Cache-Control": "no-store" } });
  },
);
