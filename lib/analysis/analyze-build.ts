import { type ExtractedAppIcon, extractAppIcon } from "@/lib/analysis/icons/app-icon";
import { analyzeIpa, type IpaInfo, readAppEntry } from "@/lib/analysis/ipa/analyze-ipa";
import { MAX_PROFILE_BYTES, type ProfileInfo, parseProvisioningProfile } from "@/lib/analysis/profile/parse-profile";

/** What Ferry stores about a build's contents (the `metadata` column). */
export type BuildAnalysis = {
  ipa: IpaInfo;
  /** The embedded.mobileprovision, or null when absent or unreadable. */
  profile: StoredProfile | null;
  /** Why an embedded profile could not be read. */
  profileError: string | null;
  icon: { source: "bundle" | "placeholder"; entryName: string | null };
};

/** A profile as stored: time-dependent fields are recomputed when read. */
export type StoredProfile = Omit<ProfileInfo, "expired" | "daysUntilExpiry">;

/**
 * Reads everything Ferry shows about a build, touching only the entries it
 * needs (Info.plist, the embedded profile, one icon). Bad archives throw the
 * analyser's AppError; a bad profile or icon never fails the upload.
 */
export async function analyzeBuild(
  filePath: string,
): Promise<{ analysis: BuildAnalysis; icon: Pick<ExtractedAppIcon, "png57" | "png512"> }> {
  const ipa = await analyzeIpa(filePath);
  let profile: StoredProfile | null = null;
  let profileError: string | null = null;
  if (ipa.hasEmbeddedProfile) {
    try {
      const data = await readAppEntry(filePath, `${ipa.appDir}/embedded.mobileprovision`, MAX_PROFILE_BYTES);
      if (data) {
        const { expired: _expired, daysUntilExpiry: _days, ...stored } = parseProvisioningProfile(data);
        profile = stored;
      }
    } catch (error) {
      profileError = error instanceof Error ? error.message : "The embedded provisioning profile could not be read.";
    }
  }
  const icon = await extractAppIcon(filePath, ipa);
  return {
    analysis: { ipa, profile, profileError, icon: { source: icon.source, entryName: icon.entryName } },
    icon: { png57: icon.png57, png512: icon.png512 },
  };
}

/** Expiry relative to `now`, for a stored profile. */
export function withExpiry(profile: StoredProfile, now: Date): ProfileInfo {
  const expiresMs = Date.parse(profile.expirationDate);
  const daysUntilExpiry = Number.isFinite(expiresMs) ? Math.floor((expiresMs - now.getTime()) / 86_400_000) : 0;
  return { ...profile, expired: !Number.isFinite(expiresMs) || expiresMs <= now.getTime(), daysUntilExpiry };
}
