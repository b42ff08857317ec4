/**
 * The codes of what a code-signature check can find, each once. Errors make a
 * build uninstallable (iOS would refuse it); warnings do not change `valid`.
 */
export const CODE_SIGNATURE_PROBLEMS = {
  /** A sealed file, special slot or the CMS does not match: changed, added or removed after signing. */
  code_signature_invalid: "error",
  /** A code page of a binary differs from its CodeDirectory's hash. */
  code_page_modified: "error",
  /** A binary (or one slice) carries no signature, or only an ad-hoc one. */
  unsigned_binary: "error",
  /** The signer's chain does not end at a pinned Apple root or a CODESIGN_EXTRA_ROOTS root. */
  signature_not_trusted: "error",
  /**
   * Nested code (a framework, dylib, extension, Watch app) is signed by another
   * team than the main app: iOS refuses to load it, unless it is a platform binary.
   */
  nested_code_team_mismatch: "error",
  /** The Mach-O or signature structure cannot be read (truncated, hostile offsets…). */
  signature_malformed: "error",
  /** The signing certificate's validity ended: the seal is intact, iOS may still refuse to launch. */
  certificate_expired: "warning",
  /** The signing certificate ends within CERTIFICATE_EXPIRY_WARNING_DAYS. */
  certificate_expiring_soon: "warning",
} as const;

export type CodeSignatureProblemCode = keyof typeof CODE_SIGNATURE_PROBLEMS;
export type ProblemSeverity = (typeof CODE_SIGNATURE_PROBLEMS)[CodeSignatureProblemCode];

/** Same horizon as a profile's expiry warning. */
export const CERTIFICATE_EXPIRY_WARNING_DAYS = 30;

export interface CodeSignatureProblem {
  code: CodeSignatureProblemCode;
  severity: ProblemSeverity;
  message: string;
  /** The archive path the problem concerns (the changed file, or the binary). */
  path: string;
  /** The Mach-O slice, when the problem is in one. */
  arch?: string;
}

export function problem(
  code: CodeSignatureProblemCode,
  message: string,
  path: string,
  arch?: string,
): CodeSignatureProblem {
  return { code, severity: CODE_SIGNATURE_PROBLEMS[code], message, path, ...(arch ? { arch } : {}) };
}
