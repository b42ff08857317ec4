import { prisma } from "@/lib/db/client";
import { Prisma } from "@/lib/generated/prisma/client";

/**
 * The one claim/lease/backoff of Ferry's background work. Every queue
 * (`jobs`, `webhook_deliveries`, `notification_mails`) is a table whose due
 * rows any number of instances claim here: candidates are locked with
 * FOR UPDATE SKIP LOCKED (so two workers never take the same row), the
 * attempt is counted and the lease set in the same statement, and an
 * instance that dies while holding a row only delays it until the lease runs
 * out. The queues differ only in their columns and words (a delivery keeps
 * `pending` while leased; a job says `running`), which each passes in as SQL;
 * bench/job-queue.ts measures this against pg-boss (bench/README.md).
 */

export type LeasedTable = "jobs" | "webhook_deliveries" | "notification_mails";

export type ClaimSpec = {
  table: LeasedTable;
  /** Joined into the candidate scan (e.g. a delivery's webhook), as `JOIN … ON …`. */
  join?: Prisma.Sql;
  /** Extra columns of the candidates, for `pick` (e.g. a delivery's receiver). */
  columns?: Prisma.Sql;
  /** Which rows may be claimed now; the table is aliased `t`. */
  due: Prisma.Sql;
  order: Prisma.Sql;
  /** How many candidates to lock (default `limit`); more when `pick` narrows them. */
  scan?: number;
  limit: number;
  /** Chooses the ids to claim among the locked `candidates` (default: the first `limit`). */
  pick?: Prisma.Sql;
  /** What a claim sets besides counting the attempt: the lease, on alias `u`. */
  lease: Prisma.Sql;
  /** `FROM x WHERE x.id = u.y` joined into the update, for `returning`. */
  from?: { table: Prisma.Sql; on: Prisma.Sql };
  returning: Prisma.Sql;
};

/** Claims due rows once across instances: locks, counts the attempt and leases in one statement. */
export async function claimLeased<T>(spec: ClaimSpec): Promise<T[]> {
  const table = Prisma.raw(spec.table);
  const extra = spec.columns ? Prisma.sql`, ${spec.columns}` : Prisma.empty;
  const pick = spec.pick ?? Prisma.sql`SELECT id FROM candidates LIMIT ${spec.limit}::int`;
  const from = spec.from ? Prisma.sql`FROM ${spec.from.table}` : Prisma.empty;
  const on = spec.from ? Prisma.sql`${spec.from.on} AND` : Prisma.empty;
  return prisma().$queryRaw<T[]>`
    WITH candidates AS (
      SELECT t.id ${extra} FROM ${table} t ${spec.join ?? Prisma.empty}
      WHERE ${spec.due}
      ORDER BY ${spec.order}
      LIMIT ${Math.max(spec.scan ?? spec.limit, spec.limit)}::int
      FOR UPDATE OF t SKIP LOCKED
    ), picked AS (${pick})
    UPDATE ${table} u SET attempts = u.attempts + 1, ${spec.lease}
    ${from}
    WHERE ${on} u.id IN (SELECT id FROM picked)
    RETURNING ${spec.returning}`;
}

/** `now() + seconds`, for a lease or a retry's time. */
export function secondsFromNow(seconds: number): Prisma.Sql {
  return Prisma.sql`now() + make_interval(secs => ${seconds}::double precision)`;
}

/** Seconds before retry number `attempts` (1-based): base, 2×base, 4×base…, capped. */
export function backoffSeconds(attempts: number, baseSeconds: number, capSeconds: number): number {
  return Math.min(baseSeconds * 2 ** Math.max(attempts - 1, 0), capSeconds);
}

/**
 * What a failed attempt leads to, for every queue: retried after the backoff
 * while attempts remain and retrying can help, else failed for good.
 */
export function afterFailure(options: {
  attempts: number;
  maxAttempts: number;
  retryable?: boolean;
  baseSeconds: number;
  capSeconds: number;
}): { retry: boolean; delaySeconds: number } {
  return {
    retry: (options.retryable ?? true) && options.attempts < options.maxAttempts,
    delaySeconds: backoffSeconds(options.attempts, options.baseSeconds, options.capSeconds),
  };
}

/**
 * The in-process side every queue's worker shares: at most `concurrency`
 * claimed rows in flight, claiming again at once while a claim fills the room
 * (bounded per tick), each row run on its own so a slow one holds only itself.
 */
export type ClaimLoop = {
  tick: () => Promise<number>;
  settled: () => Promise<void>;
  stop: () => void;
  inFlight: () => number;
};

export function createClaimLoop<T>(options: {
  concurrency: number;
  claim: (room: number) => Promise<T[]>;
  run: (row: T) => Promise<void>;
  /** Claim rounds per tick (default 1). */
  rounds?: number;
}): ClaimLoop {
  const running = new Set<Promise<void>>();
  let claiming = false;
  let stopped = false;
  const tick = async () => {
    if (claiming || stopped) return 0;
    claiming = true;
    let started = 0;
    try {
      for (let round = 0; round < (options.rounds ?? 1); round++) {
        const room = options.concurrency - running.size;
        if (room <= 0) break;
        const claimed = await options.claim(room);
        for (const row of claimed) {
          // run() records its own failures; a throw here must not become an unhandled rejection.
          const promise: Promise<void> = options
            .run(row)
            .catch(() => {})
            .finally(() => running.delete(promise));
          running.add(promise);
        }
        started += claimed.length;
        if (claimed.length < room) break;
      }
    } finally {
      claiming = false;
    }
    return started;
  };
  return {
    tick,
    settled: async () => {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
    stop: () => {
      stopped = true;
    },
    inFlight: () => running.size,
  };
}
