import type { Warning } from "@/lib/analysis/profile/install-readiness";
import { sanitizeDeep } from "@/lib/analysis/sanitize-text";
import { plural } from "@/lib/ui/format";
import {
  CERTIFICATE_EXPIRY_WARNING_DAYS,
  type CodeSignatureProblem,
  type CodeSignatureProblemCode,
  problem,
} from "@/lib/verify/problems";
import type { CodeSignatureReport } from "@/lib/verify/verify-code-signature";

/**
 * A build's code-signature report as stored with it (the `code_signature`
 * column): everything but certificate expiry, which depends on when it is
 * read and is judged again from `signer.notAfter` each time (like a profile's
 * expiry). Builds stored before verification existed have no report (null):
 * they are shown as not verified, never as valid.
 */
export type StoredCodeSignature = Omit<CodeSignatureReport, "valid" | "checkedAt"> & { verifiedAt: string };

const TIME_DEPENDENT = new Set<CodeSignatureProblemCode>(["certificate_expired", "certificate_expiring_soon"]);

export function toStoredCodeSignature(report: CodeSignatureReport): StoredCodeSignature {
  const { valid: _valid, checkedAt, ...rest } = report;
  // Identifiers, names and entitlements come from the upload: no control characters reach the database.
  return sanitizeDeep({
    ...rest,
    verifiedAt: checkedAt,
    problems: report.problems.filter((p) => !TIME_DEPENDENT.has(p.code)),
  });
}

function readStored(value: unknown): StoredCodeSignature | null {
  if (value && typeof value === "object" && "problems" in value && "binaries" in value) {
    return value as StoredCodeSignature;
  }
  return null;
}

/** The report as of `now`: the stored problems plus the signing certificate's expiry. */
export function codeSignatureAt(value: unknown, now: Date): CodeSignatureReport | null {
  const stored = readStored(value);
  if (!stored) return null;
  const { verifiedAt: _verifiedAt, ...rest } = stored;
  const problems = [...stored.problems];
  const signer = stored.signer;
  const mainPath = stored.binaries.at(-1)?.path ?? "";
  if (signer) {
    const notAfter = Date.parse(signer.notAfter);
    const day = signer.notAfter.slice(0, 10);
    if (now.getTime() > notAfter) {
      problems.push(
        problem("certificate_expired", `The signing certificate "${signer.commonName}" expired on ${day}`, mainPath),
      );
    } else if (now.getTime() + CERTIFICATE_EXPIRY_WARNING_DAYS * 86_400_000 > notAfter) {
      problems.push(
        problem(
          "certificate_expiring_soon",
          `The signing certificate "${signer.commonName}" expires on ${day}`,
          mainPath,
        ),
      );
    }
  }
  return {
    ...rest,
    valid: problems.every((p) => p.severity !== "error"),
    checkedAt: now.toISOString(),
    problems,
  };
}

/** The archive path relative to the app bundle, as people know it ("Assets.car", "Frameworks/X.framework/X"). */
function inApp(path: string): string {
  return path.replace(/^Payload\/[^/]+\.app\//, "");
}

const HINT =
  "Export the build again from Xcode (or re-sign it) without changing any file afterwards, then upload it again.";

/**
 * Install-readiness warnings from a build's signature: a broken or untrusted
 * seal is an error (iOS refuses to install it, so no Install link is offered);
 * an expiring certificate is a warning, like the profile's.
 */
export function codeSignatureWarnings(value: unknown, now: Date): Warning[] {
  const report = codeSignatureAt(value, now);
  if (!report) return [];
  const warnings: Warning[] = [];
  const errors = report.problems.filter((p) => p.severity === "error");
  const more = (list: CodeSignatureProblem[]) =>
    list.length > 1 ? ` (and ${plural(list.length - 1, "other problem")})` : "";
  const broken = errors.filter(
    (p) => p.code !== "signature_not_trusted" && p.code !== "unsigned_binary" && p.code !== "nested_code_team_mismatch",
  );
  const first = broken[0];
  if (first) {
    warnings.push({
      code: "code_signature_invalid",
      severity: "error",
      message: `${inApp(first.path)} was modified after signing: iOS will refuse it${more(broken)}.`,
      hint: HINT,
    });
  }
  const foreign = errors.filter((p) => p.code === "nested_code_team_mismatch");
  const firstForeign = foreign[0];
  if (firstForeign) {
    warnings.push({
      code: "code_signature_invalid",
      severity: "error",
      message: `${inApp(firstForeign.path)} is signed by another team than the app: iOS will refuse it${more(foreign)}.`,
      hint: "Re-sign the build so every framework and extension carries the app's team signature, then upload it again.",
    });
  }
  const unsigned = errors.find((p) => p.code === "unsigned_binary");
  if (unsigned && !first) {
    // A warning, not a blocker, for now: Ferry's own generated test archives are unsigned (decided in
    // docs/code-signatures.md; blocking is this severity once the suite signs what it uploads).
    warnings.push({
      code: "code_signature_invalid",
      severity: "warning",
      message: `${inApp(unsigned.path)} is not code-signed: iOS installs only signed builds.`,
      hint: "Sign the build (export it from Xcode with a signing identity, or re-sign it) and upload it again.",
    });
  }
  const untrusted = errors.find((p) => p.code === "signature_not_trusted");
  if (untrusted) {
    warnings.push({
      code: "signature_not_trusted",
      severity: "error",
      message: `The app is signed by ${report.signer?.commonName ? `"${report.signer.commonName}"` : "a certificate"} that Apple did not issue: iOS will refuse it.`,
      hint: "Sign the build with an Apple-issued distribution or development certificate.",
    });
  }
  for (const p of report.problems) {
    if (p.code === "certificate_expired" || p.code === "certificate_expiring_soon") {
      warnings.push({
        code: p.code,
        severity: "warning",
        message: `${p.message}.`,
        hint: "Renew the certificate in the Apple Developer portal, sign the build again and upload it.",
      });
    }
  }
  return warnings;
}
