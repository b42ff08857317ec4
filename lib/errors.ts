/**
 * The one error type of Ferry. `code` is stable and machine-readable (clients
 * branch on it); `message` is a plain-English sentence safe to show a user.
 */
export type ErrorCode =
  // request / input
  | "bad_request"
  | "empty_body"
  | "payload_too_large"
  | "unsupported_media_type"
  // archive / .ipa
  | "not_a_zip"
  | "truncated_archive"
  | "corrupt_archive"
  | "unsafe_archive"
  | "archive_too_complex"
  | "no_payload"
  | "payload_nested"
  | "no_app_bundle"
  | "missing_info_plist"
  | "unreadable_info_plist"
  | "missing_bundle_id"
  | "missing_version"
  | "not_an_ios_app"
  // provisioning profiles
  | "not_a_profile"
  | "malformed_profile"
  // auth
  | "unauthorized"
  | "forbidden"
  | "invalid_token"
  | "expired_token"
  // generic
  | "not_found"
  | "range_not_satisfiable"
  | "conflict"
  | "internal"
  // infrastructure
  | "database_unavailable";

const STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  empty_body: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
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
  not_an_ios_app: 422,
  not_a_profile: 422,
  malformed_profile: 422,
  unauthorized: 401,
  forbidden: 403,
  invalid_token: 404,
  expired_token: 403,
  not_found: 404,
  range_not_satisfiable: 416,
  conflict: 409,
  internal: 500,
  database_unavailable: 503,
};

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AppError";
    this.code = code;
    this.status = STATUS[code];
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
