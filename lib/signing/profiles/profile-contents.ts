import { X509Certificate } from "node:crypto";
import * as pkijs from "pkijs";
import { isPlistDict } from "@/lib/analysis/ipa/plist-dict";
import { detectPlistFormat, parsePlist } from "@/lib/analysis/ipa/plist-parse";
import { AppError } from "@/lib/errors";
import { certificateFingerprint } from "@/lib/signing/identities/data";

/**
 * What re-signing needs from a profile beyond what lib/analysis/profile shows:
 * the certificates it lets sign (DeveloperCertificates), by SHA-256. The
 * profile is parsed (and refused when it is not one) by parseProvisioningProfile
 * first; this reads the same plist through pkijs for a CMS envelope.
 */
function profilePlistBytes(data: Buffer): Buffer {
  if (detectPlistFormat(data)) return data;
  try {
    const info = pkijs.ContentInfo.fromBER(new Uint8Array(data));
    const signed = new pkijs.SignedData({ schema: info.content });
    const content = signed.encapContentInfo.eContent;
    if (!content) throw new Error("no content");
    return Buffer.from(content.getValue());
  } catch (error) {
    throw new AppError("malformed_profile", "The provisioning profile's signed content cannot be read.", {
      cause: error,
    });
  }
}

/** SHA-256 fingerprints (upper-case hex) of the certificates a profile names; unreadable entries are skipped. */
export function profileCertificateFingerprints(data: Buffer): string[] {
  let dict: unknown;
  try {
    dict = parsePlist(profilePlistBytes(data));
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError("malformed_profile", "The provisioning profile's property list cannot be read.");
  }
  if (!isPlistDict(dict) || !Array.isArray(dict.DeveloperCertificates)) return [];
  const out: string[] = [];
  for (const item of dict.DeveloperCertificates as unknown[]) {
    if (!(item instanceof Uint8Array) || item.length === 0) continue;
    try {
      out.push(certificateFingerprint(new X509Certificate(Buffer.from(item))));
    } catch {
      // A placeholder certificate: names nothing.
    }
  }
  return [...new Set(out)];
}

/**
 * Whether an app id pattern ("com.foo.app", "com.foo.*", "*") covers a bundle
 * id. As Apple matches them: an exact id, or a prefix ending in ".*", or "*".
 */
export function appIdCovers(pattern: string, bundleId: string): boolean {
  if (pattern === "*") return true;
  if (pattern.endsWith(".*")) return bundleId.startsWith(pattern.slice(0, -1));
  return pattern === bundleId;
}
