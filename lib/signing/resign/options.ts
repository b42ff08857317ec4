import { userActor } from "@/lib/access/actor";
import { listSigningIdentities } from "@/lib/signing/identities/data";
import { listSigningProfiles } from "@/lib/signing/profiles/data";
import type { UserDto } from "@/lib/users/data";

/** What the build page's Re-sign panel offers an admin: current identities and profiles, labelled. */
export async function resignOptions(admin: UserDto) {
  const actor = userActor(admin, { ip: null, userAgent: null });
  const now = Date.now();
  const [identities, profiles] = await Promise.all([listSigningIdentities(actor), listSigningProfiles(actor)]);
  return {
    identities: identities
      .filter((i) => Date.parse(i.notAfter) > now)
      .map((i) => ({ id: i.id, label: `${i.commonName} (expires ${i.notAfter.slice(0, 10)})` })),
    profiles: profiles
      .filter((p) => Date.parse(p.notAfter) > now)
      .map((p) => ({
        id: p.id,
        label: `${p.name}: ${p.type}, ${p.appIdPattern} (expires ${p.notAfter.slice(0, 10)})`,
      })),
  };
}
