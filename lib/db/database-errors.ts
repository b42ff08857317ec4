import { AppError } from "@/lib/errors";

/**
 * The one place that decides whether an error means "the database cannot be
 * reached right now" (down, restarting, refusing connections, connection cut)
 * as opposed to a bug or bad input. Such errors become `database_unavailable`
 * (503): clients should retry, and nothing was stored.
 */

// Node socket errors on the way to the database.
const SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

// PostgreSQL SQLSTATEs: class 08 (connection exception) and 57P01–57P03
// (admin shutdown, crash shutdown, cannot connect now: starting or recovering).
const POSTGRES_CODES = /^(08\d{3}|08P01|57P0[1-3])$/;

// Prisma's codes for "can't reach", "timed out", "connection closed".
const PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017"]);

// What prisma's pg adapter calls the same situations.
const ADAPTER_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout"]);

// pg raises these as plain Errors without a code.
const MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|terminating connection due to|the database system is (starting up|shutting down|in recovery mode|not yet accepting connections)|Can't reach database server/i;

type Inspectable = {
  code?: unknown;
  kind?: unknown;
  originalCode?: unknown;
  message?: unknown;
  cause?: unknown;
  meta?: { driverAdapterError?: unknown };
};

function matches(value: Inspectable): boolean {
  const code = typeof value.code === "string" ? value.code : undefined;
  if (code && (SOCKET_CODES.has(code) || PRISMA_CODES.has(code) || POSTGRES_CODES.test(code))) return true;
  if (typeof value.kind === "string" && ADAPTER_KINDS.has(value.kind)) return true;
  if (typeof value.originalCode === "string" && POSTGRES_CODES.test(value.originalCode)) return true;
  return typeof value.message === "string" && MESSAGES.test(value.message);
}

/** True when `error` (or anything it wraps) says the database is unreachable. */
export function isDatabaseUnavailable(error: unknown): boolean {
  // Walk causes, Prisma's wrapped adapter error and AggregateErrors, bounded against cycles.
  const queue: unknown[] = [error];
  for (let seen = 0; queue.length > 0 && seen < 20; seen++) {
    const value = queue.shift();
    if (typeof value !== "object" || value === null) continue;
    if (value instanceof AppError) return value.code === "database_unavailable";
    const inspectable = value as Inspectable;
    if (matches(inspectable)) return true;
    queue.push(inspectable.cause, inspectable.meta?.driverAdapterError);
    if (value instanceof AggregateError) queue.push(...value.errors);
  }
  return false;
}

export function databaseUnavailableError(cause?: unknown): AppError {
  return new AppError(
    "database_unavailable",
    "The database is unavailable right now (it may be restarting). Please try again in a few seconds.",
    { cause },
  );
}

/** `error` as `database_unavailable` if it is a connection failure, otherwise null. */
export function asDatabaseUnavailable(error: unknown): AppError | null {
  if (error instanceof AppError) return error.code === "database_unavailable" ? error : null;
  return isDatabaseUnavailable(error) ? databaseUnavailableError(error) : null;
}
