import { apiRoute } from "@/lib/http/api-route";
import { SIGNING_IDENTITY_BODY_MAX_BYTES } from "@/lib/http/body-limits";
import { formBytes, formText, readFormBody } from "@/lib/http/read-form-body";
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
export const GET = apiRoute({ scope: "sign", permission: "signing.manage" }, async ({ actor }) => {
  const identities = await listSigningIdentities(actor);
  return Response.json(
    { identities: identities.map((i) => ({ ...identityJson(i), fingerprint: i.fingerprint, createdAt: i.createdAt })) },
    { headers: { "Cache-Control": "no-store" } },
  );
});

/** Admins: adds an identity from multipart `file` + `password` (.p12) or `certificate` + `key`. 201. */
export const POST = apiRoute(
  { scope: "sign", permission: "signing.manage", body: { stream: true } },
  async ({ request, actor }) => {
    const form = await readFormBody(request, SIGNING_IDENTITY_BODY_MAX_BYTES);
    const input = identityInputFromFields({
      file: await formBytes(form, "file"),
      certificate: await formBytes(form, "certificate"),
      key: await formBytes(form, "key"),
      password: await formText(form, "password"),
    });
    const identity = await addSigningIdentity(input, actor);
    return Response.json(
      { identity: identityJson(identity) },
      { status: 201, headers: { "Cache-Control": "no-store" } },
    );
  },
);
