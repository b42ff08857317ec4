import { AppError } from "@/lib/errors";

/**
 * The one place that decides whether an error means "the database cannot be
 * reached right now" (down, restarting, refusing connections, connection cut)
 * as opposed to a bug or bad input, and which of two kinds it is:
 * - `database_busy` (503): the request waited past the pool's limit for one of
 *   Ferry's pooled connections while the database itself may be idle: too many
 *   requests at once for the pool (scale Ferry or raise the pool), not an outage;
 * - `database_unavailable` (503): the database cannot be reached or cut the
 *   connection (fix or restart the database).
 * Clients should retry either way, and nothing was stored.
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

// pg-pool's answer when no pooled connection freed up within its connectionTimeoutMillis
// (a new connection that takes too long says "Connection terminated due to connection timeout").
const POOL_WAIT = /timeout exceeded when trying to connect/i;

// pg raises these as plain Errors without a code.
const MESSAGES =
  /Connection terminated|Client has encountered a connection error|terminating connection due to|the database system is (starting up|shutting down|in recovery mode|not yet accepting connections)|Can't reach database server/i;

type Inspectable = {
  code?: unknown;
  kind?: unknown;
  originalCode?: unknown;
  message?: unknown;
  cause?: unknown;
  meta?: { driverAdapterError?: unknown };
};

export type DatabaseFailure = "busy" | "unreachable";

function matches(value: Inspectable): DatabaseFailure | null {
  const code = typeof value.code === "string" ? value.code : undefined;
  if (code && (SOCKET_CODES.has(code) || PRISMA_CODES.has(code) || POSTGRES_CODES.test(code))) return "unreachable";
  if (typeof value.kind === "string" && ADAPTER_KINDS.has(value.kind)) return "unreachable";
  if (typeof value.originalCode === "string" && POSTGRES_CODES.test(value.originalCode)) return "unreachable";
  if (typeof value.message !== "string") return null;
  if (POOL_WAIT.test(value.message)) return "busy";
  return MESSAGES.test(value.message) ? "unreachable" : null;
}

/** Whether `error` (or anything it wraps) says the database is busy (pool wait) or unreachable; null for anything else. */
export function databaseFailureOf(error: unknown): DatabaseFailure | null {
  // Walk causes, Prisma's wrapped adapter error and AggregateErrors, bounded against cycles.
  const queue: unknown[] = [error];
  for (let seen = 0; queue.length > 0 && seen < 20; seen++) {
    const value = queue.shift();
    if (typeof value !== "object" || value === null) continue;
    if (value instanceof AppError) {
      if (value.code === "database_busy") return "busy";
      return value.code === "database_unavailable" ? "unreachable" : null;
    }
    const inspectable = value as Inspectable;
    const failure = matches(inspectable);
    if (failure) return failure;
    queue.push(inspectable.cause, inspectable.meta?.driverAdapterError);
    if (value instanceof AggregateError) queue.push(...value.errors);
  }
  return null;
}

/** True when `error` (or anything it wraps) says the database cannot serve the request right now (busy or unreachable). */
export function isDatabaseUnavailable(error: unknown): boolean {
  return databaseFailureOf(error) !== null;
}

export function databaseUnavailableError(cause?: unknown): AppError {
  return new AppError(
    "database_unavailable",
    "The database is unavailable right now (it may be restarting). Please try again in a few seconds.",
    { cause },
  );
}

export function databaseBusyError(cause?: unknown): AppError {
  return new AppError(
    "database_busy",
    "Ferry is busy: too many requests are waiting for a database connection. Please try again in a few seconds.",
    { cause },
  );
}

/** `error` as `database_busy` or `database_unavailable` if it is one of those failures, otherwise null. */
export function asDatabaseUnavailable(error: unknown): AppError | null {
  const failure = databaseFailureOf(error);
  if (error instanceof AppError) return failure ? error : null;
  if (failure === "busy") return databaseBusyError(error);
  return failure === "unreachable" ? databaseUnavailableError(error) : null;
}

const LOG_EVERY_MS = 10_000;
const lastLogged = globalThis as typeof globalThis & { ferryDatabaseFailureLogged?: Record<string, number> };

/**
 * Says in the server log which of the two it is (at most once per kind every
 * 10 s, a burst fails many requests at once): busy means scale Ferry or its
 * pool, unreachable means look at the database.
 */
export function logDatabaseFailure(error: AppError): void {
  lastLogged.ferryDatabaseFailureLogged ??= {};
  const logged = lastLogged.ferryDatabaseFailureLogged;
  const now = Date.now();
  if (now - (logged[error.code] ?? 0) < LOG_EVERY_MS) return;
  logged[error.code] = now;
  console.warn(
    error.code === "database_busy"
      ? "[ferry] database_busy: requests waited past the pool's limit for a database connection (the database answers; too many requests at once for the pool). Answering 503."
      : "[ferry] database_unavailable: the database cannot be reached. Answering 503 until it is back.",
  );
}
