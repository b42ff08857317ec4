import { z } from "zod";
import { asDatabaseUnavailable, logDatabaseFailure } from "@/lib/db/database-errors";
import { reportDatabaseFailure } from "@/lib/db/database-health";
import { AppError, ERROR_STATUS, type ErrorCode } from "@/lib/errors";

/** Every error answer of the API: `{ error: { code, message } }` (the OpenAPI document's `Error`). */
export const apiErrorSchema = z.object({
  error: z.object({
    code: z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]).describe("Stable, machine-readable."),
    message: z.string().describe("A plain-English sentence safe to show a user."),
  }),
});

export function errorJson(code: string, message: string, status: number, headers?: HeadersInit): Response {
  return Response.json({ error: { code, message } }, { status, headers });
}

/** Maps an error to `{ error: { code, message } }`; unexpected errors are logged and answered generically. */
export function errorResponse(error: unknown): Response {
  const unavailable = asDatabaseUnavailable(error);
  if (unavailable) {
    logDatabaseFailure(unavailable);
    // Lets the server check the database and answer 503 at once while it is down (a busy pool is not down).
    if (unavailable.code === "database_unavailable") reportDatabaseFailure();
    return errorJson(unavailable.code, unavailable.message, unavailable.status, { "Retry-After": "5" });
  }
  if (error instanceof AppError) return errorJson(error.code, error.message, error.status);
  console.error("[ferry] unexpected error", error);
  return errorJson(
    "internal",
    "Something went wrong on our side. Please try again; if it keeps failing, check the server log.",
    500,
  );
}

export function withApiErrors<Args extends unknown[]>(
  handler: (...args: Args) => Promise<Response>,
): (...args: Args) => Promise<Response> {
  return async (...args: Args) => {
    try {
      return await handler(...args);
    } catch (error) {
      return errorResponse(error);
    }
  };
}
