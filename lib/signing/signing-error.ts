import { ReasonedAppError } from "@/lib/errors";

/**
 * Why a Mach-O cannot be re-signed. One list, so each hostile or unusual input
 * gets a specific, testable reason (the HTTP-facing code is always
 * `unsignable_binary`). Unreadable structures (truncated files, bad magic…)
 * are lib/verify's SignatureFormatError, thrown by the same readers.
 */
export const SIGNING_FAILURE_REASONS = [
  /** The image has no LC_CODE_SIGNATURE: there is no room reserved for a signature. */
  "no_code_signature",
  /** The image has no __LINKEDIT segment to hold the signature. */
  "no_linkedit",
  /** The signature is not the last thing in __LINKEDIT and in the image. */
  "signature_not_at_end",
  /** The new signature or image would not fit the 32-bit fields that describe it. */
  "image_too_large",
  /** The signer's CMS is larger than the room reserved for it. */
  "cms_too_large",
  /** The designated requirement is outside the language subset Ferry compiles. */
  "bad_requirement",
  /** The entitlements are not an XML plist dictionary DER can carry. */
  "bad_entitlements",
  /** The archive cannot be rewritten (zip64, or a structure the zip reader let through but copying cannot). */
  "unsupported_archive",
] as const;

export type SigningFailureReason = (typeof SIGNING_FAILURE_REASONS)[number];

export class SigningError extends ReasonedAppError<SigningFailureReason> {
  constructor(reason: SigningFailureReason, message: string) {
    super("unsignable_binary", reason, message);
  }
}
