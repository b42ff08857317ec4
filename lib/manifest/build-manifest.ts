import { build, type PlistValue } from "plist";

/**
 * The XML plist iOS downloads from `itms-services://?action=download-manifest`.
 * Built with the `plist` package so titles and URLs are escaped properly
 * (`&`, `<`, `>` …) rather than by string templates.
 */

export interface ManifestInput {
  /** Absolute https URL of the .ipa (with its install token). */
  ipaUrl: string;
  /** 57×57 PNG shown while installing. */
  displayImageUrl?: string;
  /** 512×512 PNG. */
  fullSizeImageUrl?: string;
  /** Must equal CFBundleIdentifier of the .ipa or iOS refuses the install. */
  bundleId: string;
  /** CFBundleVersion of the .ipa. */
  bundleVersion: string;
  title: string;
  subtitle?: string;
}

export function buildManifest(input: ManifestInput): string {
  const assets: Array<Record<string, string>> = [
    { kind: "software-package", url: requireText(input.ipaUrl, "ipaUrl") },
  ];
  if (input.displayImageUrl !== undefined) {
    assets.push({ kind: "display-image", url: requireText(input.displayImageUrl, "displayImageUrl") });
  }
  if (input.fullSizeImageUrl !== undefined) {
    assets.push({ kind: "full-size-image", url: requireText(input.fullSizeImageUrl, "fullSizeImageUrl") });
  }

  const metadata: Record<string, string> = {
    "bundle-identifier": requireText(input.bundleId, "bundleId"),
    "bundle-version": requireText(input.bundleVersion, "bundleVersion"),
    kind: "software",
    title: xmlSafe(input.title),
  };
  if (input.subtitle !== undefined) {
    metadata.subtitle = xmlSafe(input.subtitle);
  }

  const manifest: PlistValue = { items: [{ assets, metadata }] };
  return build(manifest);
}

// Characters XML 1.0 cannot represent at all (not even as references);
// xmlbuilder throws on them. Titles come from uploaded Info.plists, so drop
// them instead of failing the install.
const XML_INVALID = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function xmlSafe(value: string): string {
  return value.replace(XML_INVALID, "");
}

function requireText(value: string, label: string): string {
  const safe = typeof value === "string" ? xmlSafe(value) : "";
  if (safe.length === 0) {
    throw new RangeError(`Manifest ${label} must be a non-empty string`);
  }
  return safe;
}
