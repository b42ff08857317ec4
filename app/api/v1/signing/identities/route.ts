import { assertAdmin, userActor } from "@/lib/access/actor";
import { requireCaller } from "@/lib/auth/session";
import { withApiErrors } from "@/lib/http/api-errors";
import { SIGNING_IDENTITY_BODY_MAX_BYTES } from "@/lib/http/body-limits";
import { formBytes, formText, readFormBody } from "@/lib/http/read-form-body";
import { requestContext } from "@/lib/http/request-context";
import { assertSameOrigin } from "@/lib/http/same-origin";
import { listSigningIdentities } from "@/lib/signing/identities/data";
import { addSigningIdentity } from "@/lib/signing/identities/mutations";
import { identityInputFromFields } from "@/lib/signing/identities/schema";

export const dynamic = "force-dynamic";

const identityJson = (i: {
  id: string;
  commonName: string;
  teamId: string | null;
  serial: string;
  notAfter: string;
}) => ({
  id: i.id,
  commonName: i.commonName,
  teamId: i.teamId,
  serial: i.serial,
  notAfter: i.notAfter,
});

/** Admins (session, or a token with the `sign` scope): the signing identities (never their keys). */
export const GET = withApiErrors(async (request: Request) => {
  const caller = await requireCaller(request, "sign");
  const identities = await listSigningIdentities(userActor(caller.user, requestContext(request.headers)));
  return Response.json(
    { identities: identities.map((i) => ({ ...identityJson(i), fingerprint: i.fingerprint, createdAt: i.createdAt })) },
    { headers: { "Cache-Control": "no-store" } },
  );
});

/** Admins: adds an identity from multipart `file` + `password` (.p12) or `certificate` + `key`. 201. */
export const POST = withApiErrors(async (request: Request) => {
  const caller = await requireCaller(request, "sign");
  const actor = userActor(caller.user, requestContext(request.headers));
  // Only admins get their body read.
  assertAdmin(actor);
  if (caller.via === "session") assertSameOrigin(request);
  const form = await readFormBody(request, SIGNING_IDENTITY_BODY_MAX_BYTES);
  const input = identityInputFromFields({
    file: await formBytes(form, "file"),
    certificate: await formBytes(form, "certificate"),
    key: await formBytes(form, "key"),
    password: await formText(form, "password"),
  });
  const identity = await addSigningIdentity(input, actor);
  return Response.json({ identity: identityJson(identity) }, { status: 201, headers: { "Cache-Control": "no-store" } });
});
