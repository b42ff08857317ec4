import { withExpiry } from "@/lib/analysis/analyze-build";
import { assessInstallReadiness, type Warning } from "@/lib/analysis/profile/install-readiness";
import type { BuildDto } from "@/lib/builds/data";
import { env } from "@/lib/config/env";
import { codeSignatureWarnings } from "@/lib/verify/stored-code-signature";

/** Install-readiness warnings for a build, as of `now` (expiry and PUBLIC_URL change over time). */
export function buildWarnings(
  build: Pick<BuildDto, "analysis" | "bundleId"> & Partial<Pick<BuildDto, "codeSignature">>,
  now = new Date(),
): Warning[] {
  const analysis = build.analysis;
  if (!analysis) return [];
  const signature = codeSignatureWarnings(build.codeSignature ?? null, now);
  const readiness = assessInstallReadiness({
    profile: analysis.profile ? withExpiry(analysis.profile, now) : null,
    hasEmbeddedProfile: analysis.ipa.hasEmbeddedProfile,
    supportedPlatforms: analysis.ipa.supportedPlatforms,
    platformName: analysis.ipa.platformName,
    publicUrlIsHttps: env().publicUrlIsHttps,
    appBundleId: analysis.uploadedTo?.bundleId ?? null,
    buildBundleId: build.bundleId,
    now,
  });
  return [...signature, ...readiness];
}

/**
 * Problems of the server rather than of the build: shown once as a site banner,
 * they never take an Install link away (the admin fixes the server, not the build).
 */
const SITE_LEVEL = new Set<Warning["code"]>(["insecure_public_url"]);

/** A build's own warnings, without the site-level ones the banner already shows. */
export function buildLevelWarnings(warnings: Warning[]): Warning[] {
  return warnings.filter((w) => !SITE_LEVEL.has(w.code));
}

/** The warnings that mean iOS will refuse this build on every device: no Install link is offered. */
export function installBlockers(warnings: Warning[]): Warning[] {
  return warnings.filter((w) => w.severity === "error" && !SITE_LEVEL.has(w.code));
}

/** What employees need to know before tapping Install: only what stops or limits the install. */
export function employeeWarnings(warnings: Warning[]): Warning[] {
  const relevant = new Set<Warning["code"]>([
    "app_store_profile",
    "profile_expired",
    "limited_devices",
    "simulator_build",
    "no_embedded_profile",
    "profile_signature_invalid",
    "profile_bundle_id_mismatch",
  ]);
  return warnings.filter((w) => relevant.has(w.code));
}
