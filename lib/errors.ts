import type { z } from "zod";

/**
 * The one error type of Ferry. `code` is stable and machine-readable (clients
 * branch on it); `message` is a plain-English sentence safe to show a user.
 * Every code, with its HTTP status, is listed once here.
 */
export const ERROR_STATUS = {
  // request / input
  bad_request: 400,
  empty_body: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  // archive / .ipa
  not_a_zip: 422,
  truncated_archive: 422,
  corrupt_archive: 422,
  unsafe_archive: 422,
  archive_too_complex: 422,
  no_payload: 422,
  payload_nested: 422,
  no_app_bundle: 422,
  missing_info_plist: 422,
  unreadable_info_plist: 422,
  missing_bundle_id: 422,
  missing_version: 422,
  // Info.plist values outside lib/analysis/ipa/info-plist-rules.ts
  invalid_bundle_id: 422,
  invalid_version: 422,
  invalid_name: 422,
  not_an_ios_app: 422,
  // provisioning profiles
  not_a_profile: 422,
  malformed_profile: 422,
  // code signatures (lib/verify/): a Mach-O or signature blob that cannot be read
  malformed_code_signature: 422,
  // signing identities an admin uploads (lib/signing/signing-identity.ts): a .p12, or PEM certificate + key
  signing_identity_unreadable: 422,
  signing_identity_wrong_password: 422,
  signing_identity_no_private_key: 422,
  signing_identity_no_certificate: 422,
  signing_identity_key_mismatch: 422,
  signing_identity_unsuitable_certificate: 422,
  // a .p12 asking for more key-derivation work than any real export does (a hostile file)
  signing_identity_too_costly: 422,
  // a stored signing key that does not decrypt: tampered, moved to another row, or a changed secret
  signing_key_unreadable: 500,
  // re-signing (lib/signing/): a Mach-O that cannot be re-signed as it is
  unsignable_binary: 422,
  // provisioning profiles added for re-signing (lib/signing/profiles/) and their fit to an identity and a build
  signing_profile_certificate_mismatch: 422,
  signing_profile_app_id_mismatch: 422,
  signing_profile_team_mismatch: 422,
  signing_profile_missing_entitlement: 422,
  signing_profile_expired: 422,
  // renewing builds with a profile that does not expire later than the one it replaces
  signing_profile_not_newer: 422,
  signing_identity_expired: 422,
  // device registration (lib/devices/profile-service.ts)
  unsigned_device_response: 400,
  device_signature_invalid: 400,
  malformed_device_response: 400,
  // signed, but not by a device identity Apple issued (lib/devices/device-identity.ts)
  device_certificate_untrusted: 403,
  // the UDID is registered to another user; only an admin moves it
  device_owned_by_another_user: 409,
  enrollment_challenge_invalid: 403,
  enrollment_challenge_used: 409,
  enrollment_challenge_expired: 410,
  // App Store Connect (lib/app-store-connect/): what Apple refused, with Apple's own detail
  asc_not_configured: 409,
  asc_key_invalid: 422,
  asc_unauthorized: 422,
  asc_forbidden: 422,
  asc_device_limit: 409,
  asc_bundle_id_unknown: 422,
  asc_certificate_unknown: 422,
  asc_refused: 422,
  // 429 that outlasted the backoff, or Apple's 5xx: worth retrying later
  asc_rate_limited: 503,
  asc_unavailable: 502,
  // auth
  unauthorized: 401,
  forbidden: 403,
  invalid_token: 404,
  expired_token: 403,
  // generic
  not_found: 404,
  // a channel exists but holds no build the caller may see
  channel_empty: 404,
  // a channel named for a build does not exist and the caller did not ask to create it (lib/channels)
  unknown_channel: 422,
  range_not_satisfiable: 416,
  conflict: 409,
  insufficient_storage: 507,
  database_unavailable: 503,
  // the pool's wait for a connection ran out while the database answers (lib/db/database-errors.ts)
  database_busy: 503,
  internal: 500,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AppError";
    this.code = code;
    this.status = ERROR_STATUS[code];
  }
}

/**
 * An AppError whose cause is one of a fixed list of reasons, so each hostile or
 * unusual input gets a specific, testable reason under one HTTP-facing code
 * (lib/verify's SignatureFormatError, lib/signing's SigningError).
 */
export class ReasonedAppError<Reason extends string> extends AppError {
  readonly reason: Reason;

  constructor(code: ErrorCode, reason: Reason, message: string) {
    super(code, message);
    this.reason = reason;
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

/** Validates input against `schema`; the first problem becomes a `bad_request` with its sentence. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new AppError("bad_request", result.error.issues[0]?.message ?? "Please check the input and try again.");
}
