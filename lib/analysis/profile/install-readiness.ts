/**
 * Explains, before anyone taps "Install", why an uploaded build may fail to
 * install over the air. Each warning has a stable `code` (the UI and tests
 * branch on it), a plain-English message and a concrete fix.
 * Severity: "error" = iOS will refuse to install; "warning" = it may work but
 * probably not as intended; "info" = a limit worth knowing.
 */
import type { ProfileInfo } from "@/lib/analysis/profile/parse-profile";
import { plural } from "@/lib/ui/format";

export type WarningSeverity = "error" | "warning" | "info";

export type WarningCode =
  | "app_store_profile"
  | "profile_expired"
  | "profile_expiring_soon"
  | "limited_devices"
  | "simulator_build"
  | "no_embedded_profile"
  | "profile_unreadable"
  | "profile_signature_invalid"
  | "insecure_public_url"
  | "bundle_id_mismatch"
  | "profile_bundle_id_mismatch"
  // The device the person is on is not listed in an ad hoc / development profile (lib/devices).
  | "device_not_in_profile"
  // The build's code signature (lib/verify/stored-code-signature.ts).
  | "code_signature_invalid"
  | "signature_not_trusted"
  | "certificate_expired"
  | "certificate_expiring_soon";

export interface Warning {
  code: WarningCode;
  severity: WarningSeverity;
  message: string;
  hint: string;
}

export interface InstallReadinessInput {
  /** The parsed embedded.mobileprovision, or null if absent or unreadable. */
  profile: ProfileInfo | null;
  hasEmbeddedProfile: boolean;
  /** CFBundleSupportedPlatforms, e.g. ["iPhoneOS"]. */
  supportedPlatforms: string[];
  /** DTPlatformName, e.g. "iphoneos". */
  platformName: string | null;
  publicUrlIsHttps: boolean;
  /** Bundle id of the Ferry app the build was uploaded to (null/undefined for a new app). */
  appBundleId?: string | null;
  buildBundleId: string;
  now: Date;
}

/** Warn this many days ahead of a profile's expiry. */
export const EXPIRY_WARNING_DAYS = 14;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Whether an App ID pattern from a profile covers `bundleId`: exact match, "*",
 * or a trailing wildcard "com.foo.*" that matches anything under "com.foo.".
 */
export function bundleIdMatchesPattern(pattern: string, bundleId: string): boolean {
  if (pattern === "*") return true;
  if (pattern.endsWith("*")) {
    const prefix = pattern.slice(0, -1);
    return bundleId.startsWith(prefix) && bundleId.length > prefix.length;
  }
  return pattern === bundleId;
}

// e.g. "12 Dec 2026": unambiguous for every locale and stable in tests (UTC). Built once, not per call.
const DAY_UTC = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });

function formatDate(iso: string): string {
  return DAY_UTC.format(new Date(iso));
}

export function assessInstallReadiness(input: InstallReadinessInput): Warning[] {
  const warnings: Warning[] = [];
  const add = (code: WarningCode, severity: WarningSeverity, message: string, hint: string): void => {
    warnings.push({ code, severity, message, hint });
  };

  const isSimulator =
    input.supportedPlatforms.some((p) => p.toLowerCase() === "iphonesimulator") ||
    input.platformName?.toLowerCase() === "iphonesimulator";
  if (isSimulator) {
    add(
      "simulator_build",
      "error",
      "This is an iOS Simulator build: it runs only in the Simulator on a Mac and cannot be installed on an iPhone or iPad.",
      "In Xcode choose a real device (or Any iOS Device) as the destination, then Product > Archive and Distribute App.",
    );
  }

  if (!input.hasEmbeddedProfile) {
    add(
      "no_embedded_profile",
      "error",
      "The app has no embedded provisioning profile, so it is unsigned or signed for a Simulator: iOS will refuse to install it.",
      "Export the build from Xcode's Organizer with Ad Hoc, Enterprise or Development distribution so a profile is embedded.",
    );
  } else if (!input.profile) {
    add(
      "profile_unreadable",
      "warning",
      "The app's embedded provisioning profile could not be read, so Ferry cannot tell which devices can install it or when it expires.",
      "Re-export the build from Xcode; if the problem persists, check the profile in the Apple Developer portal.",
    );
  }

  const profile = input.profile;
  if (profile) {
    if (profile.signature.status === "invalid") {
      add(
        "profile_signature_invalid",
        "error",
        "The embedded provisioning profile was altered after Apple signed it, so iOS will reject the app.",
        "Download a fresh profile from the Apple Developer portal (or let Xcode manage signing) and export the build again.",
      );
    }

    if (profile.type === "app-store") {
      add(
        "app_store_profile",
        "error",
        "This build is signed with an App Store distribution profile: it can only be installed through TestFlight or the App Store, not over the air.",
        "Export it again from Xcode's Organizer choosing Ad Hoc, Enterprise or Development distribution instead of App Store Connect.",
      );
    }

    const expiry = new Date(profile.expirationDate);
    const msLeft = expiry.getTime() - input.now.getTime();
    if (msLeft <= 0) {
      add(
        "profile_expired",
        "error",
        `The provisioning profile expired on ${formatDate(profile.expirationDate)}: iOS will refuse to install or launch the app.`,
        "Renew the profile in the Apple Developer portal (or let Xcode regenerate it), rebuild and upload the new build.",
      );
    } else if (msLeft <= EXPIRY_WARNING_DAYS * DAY_MS) {
      const days = Math.floor(msLeft / DAY_MS);
      const left = days === 0 ? "less than a day" : plural(days, "day");
      add(
        "profile_expiring_soon",
        "warning",
        `The provisioning profile expires on ${formatDate(profile.expirationDate)} (${left} left): after that the app can no longer be installed or opened.`,
        "Renew the profile in the Apple Developer portal now, rebuild and upload a new build before it expires.",
      );
    }

    if (profile.type === "development" || profile.type === "ad-hoc") {
      const kind = profile.type === "development" ? "development" : "ad hoc";
      add(
        "limited_devices",
        "info",
        `This ${kind} build can be installed only on the ${plural(profile.deviceCount, "device")} listed in its provisioning profile.`,
        "To add a tester, register their device's UDID in the Apple Developer portal, regenerate the profile and upload a new build.",
      );
    }

    const pattern = profile.bundleIdPattern;
    if (pattern && !bundleIdMatchesPattern(pattern, input.buildBundleId)) {
      add(
        "profile_bundle_id_mismatch",
        "error",
        `The provisioning profile is for the App ID "${pattern}", which does not cover this build's bundle identifier "${input.buildBundleId}": iOS will refuse to install it.`,
        "Sign the build with a profile created for this bundle identifier (or a matching wildcard App ID) and export again.",
      );
    }
  }

  if (input.appBundleId && input.appBundleId !== input.buildBundleId) {
    add(
      "bundle_id_mismatch",
      "warning",
      `This build's bundle identifier "${input.buildBundleId}" differs from the app's "${input.appBundleId}": installing it adds a separate app instead of updating the existing one.`,
      "Upload it to the app with the matching bundle identifier, or fix the Bundle Identifier in the Xcode target.",
    );
  }

  if (!input.publicUrlIsHttps) {
    add(
      "insecure_public_url",
      "error",
      "Ferry's public address is not HTTPS: iOS only installs apps over the air from an HTTPS link with a trusted certificate.",
      "Set the public URL to an https:// address served with a valid certificate (e.g. behind a reverse proxy with Let's Encrypt).",
    );
  }

  // Errors first, then warnings, then info; insertion order within each (sort is stable).
  const rank: Record<WarningSeverity, number> = { error: 0, warning: 1, info: 2 };
  return warnings.sort((a, b) => rank[a.severity] - rank[b.severity]);
}
