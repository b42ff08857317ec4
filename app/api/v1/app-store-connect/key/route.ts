import { getAscKey } from "@/lib/app-store-connect/data";
import { deleteAscKey, saveAscKey } from "@/lib/app-store-connect/mutations";
import { saveKeySchema } from "@/lib/app-store-connect/schema";
import { apiRoute } from "@/lib/http/api-route";

export const dynamic = "force-dynamic";

const noStore = { "Cache-Control": "no-store" };

/** Admins (token scope `sign`): which key is set up; never the key. */
export const GET = apiRoute({ scope: "sign", permission: "app-store-connect.manage" }, async ({ actor }) =>
  Response.json({ key: await getAscKey(actor) }, { headers: noStore }),
);

/** Admins: stores `{ issuerId, keyId, privateKey }` (the .p8 text), replacing the key before. */
export const PUT = apiRoute(
  { scope: "sign", permission: "app-store-connect.manage", body: { json: saveKeySchema } },
  async ({ body, actor }) => {
    await saveAscKey(body, actor);
    return Response.json({ key: await getAscKey(actor) }, { headers: noStore });
  },
);

/** Admins: forgets the key. 204. */
export const DELETE = apiRoute({ scope: "sign", permission: "app-store-connect.manage" }, async ({ actor }) => {
  await deleteAscKey(actor);
  return new Response(null, { status: 204, headers: noStore });
});
