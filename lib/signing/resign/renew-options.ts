import type { Actor } from "@/lib/access/actor";
import { listSigningIdentities } from "@/lib/signing/identities/data";
import { listSigningProfiles } from "@/lib/signing/profiles/data";
import { expiresSoon, listRenewableBuilds, type RenewableBuild, renewalRefusal } from "@/lib/signing/resign/renew";

export type RenewOffer = {
  profile: { id: string; name: string; uuid: string; notAfter: string; expired: boolean };
  builds: RenewableBuild[];
  /** Newer profiles that can replace it (same team, app ids covered, later expiry). */
  profiles: { id: string; label: string; identityIds: string[] }[];
  identities: { id: string; label: string }[];
};

const day = (iso: string) => iso.slice(0, 10);

/**
 * What Admin → Signing offers to renew: every profile expiring within 30 days
 * (or expired) that heads a channel, with only the profiles and identities
 * that can take over (an identity whose certificate a candidate names).
 */
export async function renewOffers(by: Actor, now = Date.now()): Promise<RenewOffer[]> {
  const [profiles, identities] = await Promise.all([listSigningProfiles(by), listSigningIdentities(by)]);
  const current = identities.filter((i) => Date.parse(i.notAfter) > now);
  const offers: RenewOffer[] = [];
  for (const old of profiles.filter((p) => expiresSoon(p, now))) {
    const builds = await listRenewableBuilds(by, old.id);
    if (builds.length === 0) continue;
    const candidates = profiles
      .filter((p) => renewalRefusal(old, p, builds, now) === null)
      .map((p) => ({
        id: p.id,
        label: `${p.name}: ${p.appIdPattern} (expires ${day(p.notAfter)})`,
        identityIds: current.filter((i) => p.certificateFingerprints.includes(i.fingerprint)).map((i) => i.id),
      }))
      .filter((p) => p.identityIds.length > 0);
    offers.push({
      profile: {
        id: old.id,
        name: old.name,
        uuid: old.uuid,
        notAfter: old.notAfter,
        expired: Date.parse(old.notAfter) <= now,
      },
      builds,
      profiles: candidates,
      identities: current
        .filter((i) => candidates.some((c) => c.identityIds.includes(i.id)))
        .map((i) => ({ id: i.id, label: `${i.commonName} (expires ${day(i.notAfter)})` })),
    });
  }
  return offers;
}
