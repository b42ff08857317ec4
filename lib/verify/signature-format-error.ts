import { ReasonedAppError } from "@/lib/errors";

/**
 * Why bytes that should hold a Mach-O or a code signature cannot be read. One
 * list, so hostile inputs get a specific, testable reason (the HTTP-facing code
 * is always `malformed_code_signature`).
 */
export const SIGNATURE_FORMAT_REASONS = [
  "truncated",
  "bad_magic",
  "bad_macho",
  "too_many_entries",
  "blob_out_of_bounds",
  "overlapping_blobs",
  "duplicate_slot",
  "bad_code_directory",
  "unsupported_hash_type",
  "absurd_page_count",
  "code_limit_out_of_bounds",
  "signature_too_large",
] as const;

export type SignatureFormatReason = (typeof SIGNATURE_FORMAT_REASONS)[number];

export class SignatureFormatError extends ReasonedAppError<SignatureFormatReason> {
  constructor(reason: SignatureFormatReason, message: string) {
    super("malformed_code_signature", reason, message);
  }
}
