import pg from "pg";

/**
 * Whether the database answers, shared by Ferry's server (scripts/start.ts,
 * which answers 503 at once while it does not) and the code Next.js runs in
 * the same process (which reports connection failures). Next bundles its own
 * copy of this module, so the state lives on globalThis.
 */
type HealthState = {
  available: boolean;
  /** Bumped whenever the database is seen going down, so a probe started before does not undo it. */
  generation: number;
  /** Installed by `watchDatabase`: (re)checks the database in the background. */
  check?: () => void;
};

const holder = globalThis as typeof globalThis & { ferryDatabaseHealth?: HealthState };

function state(): HealthState {
  holder.ferryDatabaseHealth ??= { available: true, generation: 0 };
  return holder.ferryDatabaseHealth;
}

export function databaseAvailable(): boolean {
  return state().available;
}

/** The database is known to be down (e.g. its process died): unavailable until a probe succeeds. */
export function markDatabaseDown(): void {
  const current = state();
  current.available = false;
  current.generation++;
  current.check?.();
}

/** A request failed to reach the database: probe it; a single blip does not close the gate. */
export function reportDatabaseFailure(): void {
  state().check?.();
}

const PROBE_TIMEOUT_MS = 2_000;
const PROBE_INTERVAL_MS = 500;

async function probe(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Watches the database at `url` after each reported failure: probes it every
 * half second until it answers, keeping `databaseAvailable()` false meanwhile.
 * Returns a function that stops watching.
 */
export function watchDatabase(url: string, log: (line: string) => void): () => void {
  const current = state();
  let probing = false;
  let stopped = false;
  const loop = async () => {
    if (probing || stopped) return;
    probing = true;
    try {
      while (!stopped) {
        const generation = current.generation;
        if (await probe(url)) {
          // Went down again while this probe ran: keep probing.
          if (generation !== current.generation) continue;
          if (!current.available) log("The database is reachable again.");
          current.available = true;
          return;
        }
        if (current.available) {
          log("The database is unreachable: answering 503 database_unavailable until it is back.");
          current.available = false;
        }
        await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS));
      }
    } finally {
      probing = false;
    }
  };
  current.check = () => void loop();
  return () => {
    stopped = true;
    current.check = undefined;
  };
}
