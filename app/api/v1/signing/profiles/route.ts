import { AppError } from "@/lib/errors";
import { apiRoute } from "@/lib/http/api-route";
import { SIGNING_PROFILE_BODY_MAX_BYTES } from "@/lib/http/body-limits";
import { formBytes, readFormBody } from "@/lib/http/read-form-body";
import { readSmallBody } from "@/lib/http/read-small-body";
import { listSigningProfiles, type SigningProfileDto } from "@/lib/signing/profiles/data";
import { addSigningProfile } from "@/lib/signing/profiles/mutations";
import { renewableBuildCounts } from "@/lib/signing/resign/renew";

export const dynamic = "force-dynamic";

const profileJson = (p: SigningProfileDto) => ({
  id: p.id,
  uuid: p.uuid,
  name: p.name,
  type: p.type,
  teamId: p.teamId,
  appIdPattern: p.appIdPattern,
  notAfter: p.notAfter,
  devices: p.devices,
});

/**
 * Admins (session, or a token with the `sign` scope): the provisioning profiles added for re-signing,
 * each with how many builds it could renew (the newest of a channel that embeds it).
 */
export const GET = apiRoute({ scope: "sign", permission: "signing.manage" }, async ({ actor }) => {
  const profiles = await listSigningProfiles(actor);
  const renewable = await renewableBuildCounts(actor, profiles);
  return Response.json(
    {
      profiles: profiles.map((p) => ({
        ...profileJson(p),
        createdAt: p.createdAt,
        renewableBuilds: renewable.get(p.id) ?? 0,
      })),
    },
    { headers: { "Cache-Control": "no-store" } },
  );
});

/** Admins: adds a .mobileprovision (the raw body, or the multipart field `file`). 201. */
export const POST = apiRoute(
  { scope: "sign", permission: "signing.manage", body: { stream: true } },
  async ({ request, actor }) => {
    const multipart = /^multipart\/form-data/i.test(request.headers.get("content-type") ?? "");
    const data = multipart
      ? await formBytes(await readFormBody(request, SIGNING_PROFILE_BODY_MAX_BYTES), "file")
      : await readSmallBody(request, SIGNING_PROFILE_BODY_MAX_BYTES);
    if (!data) throw new AppError("empty_body", 'Send the .mobileprovision as the body or in the form field "file".');
    const profile = await addSigningProfile(data, actor);
    return Response.json({ profile: profileJson(profile) }, { status: 201, headers: { "Cache-Control": "no-store" } });
  },
);
