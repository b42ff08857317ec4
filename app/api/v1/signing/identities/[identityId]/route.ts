import { apiRoute } from "@/lib/http/api-route";
import { deleteSigningIdentity } from "@/lib/signing/identities/mutations";

export const dynamic = "force-dynamic";

/** Admins (session from our own origin, or a token with the `sign` scope): deletes the identity and its key. 204. */
export const DELETE = apiRoute(
  { params: ["identityId"], scope: "sign", permission: "signing.manage" },
  async ({ params, actor }) => {
    await deleteSigningIdentity({ identityId: params.identityId }, actor);
    return new Response(null, { status: 204, headers: { "Cache-Control": "no-store" } });
  },
);
