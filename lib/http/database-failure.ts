import type { ServerResponse } from "node:http";
import { asDatabaseUnavailable, logDatabaseFailure } from "@/lib/db/database-errors";
import { reportDatabaseFailure } from "@/lib/db/database-health";
import type { AppError } from "@/lib/errors";
import { currentServerRequest } from "@/lib/http/server-request";
import { DATABASE_FAILURE_DIGESTS, type DatabaseFailureCode } from "@/lib/ui/database-failure-text";

/**
 * A page whose database work failed (busy pool or unreachable database) answers
 * 503 with Retry-After, not 500: Next.js decides a failed render's status
 * itself, so the failure is noted on the request (from the session check and
 * from instrumentation's onRequestError) and Ferry's server turns the 500 it
 * writes into a 503 (`serveDatabaseFailuresAs503`).
 */
export function noteDatabaseFailure(error: unknown): AppError | null {
  const failure = asDatabaseUnavailable(error);
  if (!failure) return null;
  logDatabaseFailure(failure);
  if (failure.code === "database_unavailable") reportDatabaseFailure();
  const slot = currentServerRequest();
  if (slot) slot.databaseFailure = failure.code as DatabaseFailureCode;
  return failure;
}

/** `error` noted and carrying the digest the error boundaries recognise; thrown by page guards. */
export function databaseFailureForPage(error: unknown): AppError | null {
  const failure = noteDatabaseFailure(error);
  if (failure) Object.assign(failure, { digest: DATABASE_FAILURE_DIGESTS[failure.code as DatabaseFailureCode] });
  return failure;
}

/** Called by Ferry's server for each request, inside its request context: a 5xx after a noted database failure becomes 503. */
export function serveDatabaseFailuresAs503(res: ServerResponse): void {
  const slot = currentServerRequest();
  if (!slot) return;
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, ...args: Parameters<ServerResponse["writeHead"]>) {
    if (args[0] >= 500 && slot.databaseFailure) {
      args[0] = 503;
      this.setHeader("Retry-After", "5");
      this.setHeader("Cache-Control", "no-store");
    }
    return writeHead.apply(this, args);
  } as ServerResponse["writeHead"];
}
