import type { JsonValue } from "@/lib/analysis/profile/parse-profile";
import { AppError } from "@/lib/errors";
import { appIdCovers } from "@/lib/signing/profiles/profile-contents";

/**
 * Whether an identity and a profile can sign a bundle: what needs no archive.
 * Its own light module (no plist parser, no Mach-O reader, no re-signer), so
 * the request checks and the renewal offers on Admin → Signing load none of them.
 */

/** What a profile must offer (the DTO fields used here). */
export type ProfileForFit = {
  id: string;
  name: string;
  uuid: string;
  teamId: string | null;
  appIdPattern: string;
  notAfter: string;
  entitlements: Record<string, JsonValue>;
  certificateFingerprints: string[];
};

export type IdentityForFit = {
  commonName: string;
  teamId: string | null;
  fingerprint: string;
  notAfter: Date | string;
};

/** Refuses an identity or profile that cannot sign `bundleId` at `now`, naming the reason. */
export function assertProfileFits(
  profile: ProfileForFit,
  identity: IdentityForFit,
  bundleId: string,
  now: Date = new Date(),
): void {
  if (new Date(identity.notAfter).getTime() <= now.getTime()) {
    throw new AppError(
      "signing_identity_expired",
      `The signing certificate "${identity.commonName}" expired on ${new Date(identity.notAfter).toISOString().slice(0, 10)}: iOS refuses what it signs. Add a current one.`,
    );
  }
  if (new Date(profile.notAfter).getTime() <= now.getTime()) {
    throw new AppError(
      "signing_profile_expired",
      `The provisioning profile "${profile.name}" expired on ${profile.notAfter.slice(0, 10)}. Download a current one from the Apple Developer site.`,
    );
  }
  if (!profile.certificateFingerprints.includes(identity.fingerprint)) {
    throw new AppError(
      "signing_profile_certificate_mismatch",
      `The provisioning profile "${profile.name}" does not include the certificate "${identity.commonName}": regenerate the profile with this certificate, or pick the identity it was made for.`,
    );
  }
  if (identity.teamId && profile.teamId && identity.teamId !== profile.teamId) {
    throw new AppError(
      "signing_profile_team_mismatch",
      `The provisioning profile "${profile.name}" belongs to team ${profile.teamId}, the certificate to team ${identity.teamId}.`,
    );
  }
  if (!appIdCovers(profile.appIdPattern, bundleId)) {
    throw new AppError(
      "signing_profile_app_id_mismatch",
      `The provisioning profile "${profile.name}" is for the app id ${profile.appIdPattern}, which does not cover ${bundleId}.`,
    );
  }
}
