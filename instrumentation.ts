import { noteDatabaseFailure } from "@/lib/http/database-failure";

/**
 * Next.js calls this for errors thrown while rendering pages and running server
 * actions (route handlers map theirs in lib/http/api-errors.ts). A database
 * outage seen here makes the server check the database and answer 503 at once
 * until it is back, instead of rendering error pages one by one.
 */
export function onRequestError(error: unknown): void {
  // Also makes the page's 500 a 503 with Retry-After (a busy pool is not an outage: no probe for that).
  noteDatabaseFailure(error);
}
