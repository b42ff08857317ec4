import fs from "node:fs/promises";
import { assessInstallReadiness, type Warning } from "@/lib/analysis/profile/install-readiness";
import { type ProfileInfo, parseProvisioningProfile } from "@/lib/analysis/profile/parse-profile";
import { env } from "@/lib/config/env";
import { discardTempFile, type ReceivedFile } from "@/lib/upload/receive-upload";

/**
 * Reads a standalone provisioning profile an admin wants to check before
 * building. Nothing is stored; the temp file is removed.
 */
export async function inspectProfileFile(
  file: ReceivedFile,
  now = new Date(),
): Promise<{ profile: ProfileInfo; warnings: Warning[] }> {
  try {
    const data = await fs.readFile(file.path);
    // Throws AppError (not_a_profile, malformed_profile) for files that are not readable profiles.
    const profile = parseProvisioningProfile(data, now);
    const warnings = assessInstallReadiness({
      profile,
      hasEmbeddedProfile: true,
      supportedPlatforms: [],
      platformName: null,
      publicUrlIsHttps: env().publicUrlIsHttps,
      buildBundleId: profile.bundleIdPattern ?? "*",
      now,
    }).filter((w) => w.code !== "insecure_public_url" && w.code !== "profile_bundle_id_mismatch");
    return { profile, warnings };
  } finally {
    await discardTempFile(file.path);
  }
}
