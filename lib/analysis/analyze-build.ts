import { type ExtractedAppIcon, extractAppIcon } from "@/lib/analysis/icons/app-icon";
import { analyzeIpaZip, type IpaInfo, isAnalysedEntry, readZipEntryIfPresent } from "@/lib/analysis/ipa/analyze-ipa";
import { withZip, type ZipReader } from "@/lib/analysis/ipa/zip-reader";
import { type ProfileInfo, parseProvisioningProfile } from "@/lib/analysis/profile/parse-profile";
import { sanitizeDeep, sanitizeText } from "@/lib/analysis/sanitize-text";
import { AppError } from "@/lib/errors";
import { MAX_PROFILE_BYTES } from "@/lib/http/body-limits";

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
 * needs (Info.plist, the embedded profile, one icon) and listing the archive
 * once. Bad archives throw the analyser's AppError; a bad profile or icon never
 * fails the upload. The one place analysis results are produced, so the one
 * place their text is sanitised before it can reach the database.
 */
export async function analyzeBuild(
  filePath: string,
): Promise<{ analysis: BuildAnalysis; icon: Pick<ExtractedAppIcon, "png57" | "png512"> }> {
  return withZip(filePath, analyzeOpenBuild, { readable: isAnalysedEntry });
}

async function analyzeOpenBuild(
  zip: ZipReader,
): Promise<{ analysis: BuildAnalysis; icon: Pick<ExtractedAppIcon, "png57" | "png512"> }> {
  const ipa = sanitizeIpa(await analyzeIpaZip(zip));
  let profile: StoredProfile | null = null;
  let profileError: string | null = null;
  if (ipa.hasEmbeddedProfile) {
    try {
      const data = await readZipEntryIfPresent(zip, `${ipa.appDir}/embedded.mobileprovision`, MAX_PROFILE_BYTES);
      if (data) {
        const { expired: _expired, daysUntilExpiry: _days, ...stored } = parseProvisioningProfile(data);
        profile = sanitizeDeep(stored);
      }
    } catch (error) {
      profileError = sanitizeText(
        error instanceof Error ? error.message : "The embedded provisioning profile could not be read.",
      );
    }
  }
  const icon = await extractAppIcon(zip, ipa);
  return {
    analysis: { ipa, profile, profileError, icon: { source: icon.source, entryName: icon.entryName } },
    icon: { png57: icon.png57, png512: icon.png512 },
  };
}

/** Info.plist text without control characters; what must not be empty is checked again afterwards. */
function sanitizeIpa(raw: IpaInfo): IpaInfo {
  const ipa = sanitizeDeep(raw);
  // appDir names the real entry; it cannot hold a NUL (the zip reader refuses such names).
  ipa.appDir = raw.appDir;
  ipa.bundleId = ipa.bundleId.trim();
  ipa.version = ipa.version.trim();
  ipa.buildNumber = ipa.buildNumber.trim();
  ipa.displayName =
    ipa.displayName.trim() || sanitizeText(raw.appDir.slice(raw.appDir.lastIndexOf("/") + 1).replace(/\.app$/, ""));
  if (!ipa.bundleId) {
    throw new AppError(
      "missing_bundle_id",
      "Info.plist has no usable CFBundleIdentifier (it holds only control characters). Set a Bundle Identifier in the Xcode target and export again.",
    );
  }
  if (!ipa.version || !ipa.buildNumber) {
    throw new AppError(
      "missing_version",
      "Info.plist has no usable version or build number (they hold only control characters). Set Version and Build in the Xcode target and export again.",
    );
  }
  return ipa;
}

/** Expiry relative to `now`, for a stored profile. */
export function withExpiry(profile: StoredProfile, now: Date): ProfileInfo {
  const expiresMs = Date.parse(profile.expirationDate);
  const daysUntilExpiry = Number.isFinite(expiresMs) ? Math.floor((expiresMs - now.getTime()) / 86_400_000) : 0;
  return { ...profile, expired: !Number.isFinite(expiresMs) || expiresMs <= now.getTime(), daysUntilExpiry };
}
