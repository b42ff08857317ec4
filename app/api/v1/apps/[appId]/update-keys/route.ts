import { userActor } from "@/lib/access/actor";
import { canUploadAtAll } from "@/lib/access/app-access";
import { requireCaller } from "@/lib/auth/session";
import { AppError } from "@/lib/errors";
import { withApiErrors } from "@/lib/http/api-errors";
import { UPDATE_KEY_BODY_MAX_BYTES } from "@/lib/http/body-limits";
import { readJsonBody } from "@/lib/http/read-small-body";
import { requestContext } from "@/lib/http/request-context";
import { assertSameOrigin } from "@/lib/http/same-origin";
import { createUpdateKey, listUpdateKeys } from "@/lib/update-check/mutations";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ appId: string }> };

/** Admins and the app's uploaders (session, or a token with `read`): the app's update keys (never the keys). */
export const GET = withApiErrors(async (request: Request, context: Context) => {
  const caller = await requireCaller(request, "read");
  const { appId } = await context.params;
  const keys = await listUpdateKeys({ appId }, userActor(caller.user, requestContext(request.headers)));
  return Response.json({ updateKeys: keys }, { headers: { "Cache-Control": "no-store" } });
});

/** Admins and the app's uploaders (session from our origin, or a token with `upload`): `{ name }` → 201 with the key, shown once. */
export const POST = withApiErrors(async (request: Request, context: Context) => {
  const caller = await requireCaller(request, "upload");
  // Members are refused before their body is read; createUpdateKey checks the app itself.
  if (!canUploadAtAll(caller.user))
    throw new AppError("forbidden", "Only admins and this app's uploaders can manage its update keys.");
  if (caller.via === "session") assertSameOrigin(request);
  const { appId } = await context.params;
  const body = await readJsonBody(request, UPDATE_KEY_BODY_MAX_BYTES);
  const name = body && typeof body === "object" && "name" in body ? (body as { name: unknown }).name : undefined;
  const result = await createUpdateKey(
    { appId, name: name as string },
    userActor(caller.user, requestContext(request.headers)),
  );
  return Response.json(
    { updateKey: result.updateKey, key: result.key },
    { status: 201, headers: { "Cache-Control": "no-store" } },
  );
});
