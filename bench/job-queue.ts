/**
 * Ferry's job queue (lib/jobs: one table, FOR UPDATE SKIP LOCKED + lease,
 * lib/jobs/lease.ts) against pg-boss on the same PostgreSQL: two worker
 * processes (two instances) drain N queued jobs; then jobs are queued one by
 * one while the workers wait, for the latency from enqueue to done. Every
 * handler writes one row (job id, instance) to bench_done, so exactly-once is
 * counted, not assumed. Both poll every 0.5 s (pg-boss's minimum; Ferry's
 * worker ticks every 1 s in production) and take up to 50 jobs per poll.
 *
 *   npx tsx bench/job-queue.ts [--jobs 2000] [--trickle 100] [--only lib|boss]
 *
 * It creates and drops its own database on FERRY_TEST_DATABASE_URL's server.
 */
import { type ChildProcess, spawn } from "node:child_process";
import os from "node:os";
import { parseArgs } from "node:util";
import pg from "pg";

const { values } = parseArgs({
  options: {
    jobs: { type: "string", default: "2000" },
    trickle: { type: "string", default: "100" },
    only: { type: "string" },
    worker: { type: "string" },
    instance: { type: "string" },
    "database-url": { type: "string" },
  },
});

process.env.AUTH_SECRET ??= "job-queue-bench-not-a-secret-0123456789";

const QUEUE = "bench.job";
const PER_POLL = 50;
const POLL_SECONDS = 0.5;

type Mechanism = "lib" | "boss";

/** The handler both run: one small write, the evidence of a run. */
async function recordDone(pool: pg.Pool, jobId: string, instance: string, enqueuedAt: number): Promise<void> {
  await pool.query("INSERT INTO bench_done (job_id, instance, enqueued_at, done_at) VALUES ($1, $2, $3, $4)", [
    jobId,
    instance,
    enqueuedAt,
    Date.now(),
  ]);
}

/** A worker process: runs jobs until killed. */
async function runWorker(mechanism: Mechanism, url: string, instance: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // Loaded and connected first; both instances start working together on the parent's "go".
  const go = new Promise<void>((resolve) => process.stdin.once("data", () => resolve()));
  if (mechanism === "lib") {
    process.env.DATABASE_URL = url;
    const { startJobWorker } = await import("@/lib/jobs/worker");
    // Connected before "go": a lookup through the same client the worker uses.
    const { findJob } = await import("@/lib/jobs/jobs");
    await findJob("00000000-0000-4000-8000-000000000000");
    console.log("ready");
    await go;
    startJobWorker({
      handlers: {
        [QUEUE]: async (job) => {
          await recordDone(pool, job.id, instance, Number(job.payload.at));
          return {};
        },
      },
      log: (line) => console.error(line),
      everyMs: POLL_SECONDS * 1000,
      concurrency: PER_POLL,
    });
  } else {
    const { default: PgBoss } = await import("pg-boss");
    const boss = new PgBoss({ connectionString: url, max: 10, supervise: false, schedule: false });
    await boss.start();
    console.log("ready");
    await go;
    await boss.work<{ at: number }>(
      QUEUE,
      { batchSize: PER_POLL, pollingIntervalSeconds: POLL_SECONDS },
      async (jobs) => {
        await Promise.all(jobs.map((job) => recordDone(pool, job.id, instance, job.data.at)));
      },
    );
  }
  // Keeps the process alive until the parent kills it.
  setInterval(() => {}, 60_000);
}

function benchDatabaseUrl(): { server: string; url: string; name: string } {
  const server = values["database-url"] ?? process.env.FERRY_TEST_DATABASE_URL;
  if (!server)
    throw new Error("Set FERRY_TEST_DATABASE_URL (or --database-url): a PostgreSQL server to create a database on");
  const name = `ferry_bench_jobs_${process.pid}`;
  const url = new URL(server);
  url.pathname = `/${name}`;
  return { server, url: url.toString(), name };
}

function startWorker(mechanism: Mechanism, url: string, instance: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", import.meta.filename, "--worker", mechanism, "--instance", instance, "--database-url", url],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`worker ${instance} exited (${code})`)));
    child.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ready")) resolve(child);
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function benchOne(mechanism: Mechanism, server: string, url: string, name: string) {
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  const workers: ChildProcess[] = [];
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    await client.query(
      "CREATE TABLE bench_done (job_id text NOT NULL, instance text NOT NULL, enqueued_at bigint NOT NULL, done_at bigint NOT NULL)",
    );
    // Each side's own schema and its own way of queueing.
    let enqueue: (at: number) => Promise<void>;
    let close = async () => {};
    if (mechanism === "lib") {
      const { applyMigrations } = await import("@/lib/db/migrate");
      await applyMigrations(url);
      process.env.DATABASE_URL = url;
      const { enqueueJob } = await import("@/lib/jobs/jobs");
      const { disconnectPrisma } = await import("@/lib/db/client");
      enqueue = async (at) => {
        await enqueueJob({ kind: QUEUE, payload: { at } });
      };
      close = disconnectPrisma;
    } else {
      const { default: PgBoss } = await import("pg-boss");
      const boss = new PgBoss({ connectionString: url, max: 4, supervise: false, schedule: false });
      await boss.start();
      await boss.createQueue(QUEUE);
      enqueue = async (at) => {
        await boss.send(QUEUE, { at });
      };
      close = () => boss.stop({ graceful: false, wait: false });
    }
    const n = Number(values.jobs);
    const done = async () => Number((await client.query("SELECT count(*) AS n FROM bench_done")).rows[0].n);

    // Enqueue N, one statement each (as requests do).
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await enqueue(Date.now());
    const enqueueSeconds = (performance.now() - t0) / 1000;

    // Two instances drain them.
    workers.push(await startWorker(mechanism, url, "a"), await startWorker(mechanism, url, "b"));
    const started = performance.now();
    for (const worker of workers) worker.stdin?.write("go\n");
    while ((await done()) < n) await sleep(20);
    const drainSeconds = (performance.now() - started) / 1000;

    // Latency: one job every 100 ms while the workers wait.
    await client.query("TRUNCATE bench_done");
    const trickle = Number(values.trickle);
    for (let i = 0; i < trickle; i++) {
      await enqueue(Date.now());
      await sleep(100);
    }
    while ((await done()) < trickle) await sleep(50);
    const latencies = (await client.query("SELECT done_at - enqueued_at AS ms FROM bench_done")).rows
      .map((r) => Number(r.ms))
      .sort((a, b) => a - b);
    // Exactly once: over both phases, every job id once (a second run of one would be a second row).
    await sleep(POLL_SECONDS * 3000);
    const dup = await client.query("SELECT count(*) - count(DISTINCT job_id) AS extra FROM bench_done");
    const share = await client.query("SELECT instance, count(*) AS n FROM bench_done GROUP BY instance ORDER BY 1");
    await close();
    return {
      mechanism,
      jobs: n,
      enqueuePerSecond: Math.round(n / enqueueSeconds),
      drainPerSecond: Math.round(n / drainSeconds),
      latencyMs: {
        p50: percentile(latencies, 50),
        p95: percentile(latencies, 95),
        max: latencies.at(-1),
      },
      extraRuns: Number(dup.rows[0].extra),
      trickleShare: Object.fromEntries(share.rows.map((r) => [r.instance, Number(r.n)])),
    };
  } finally {
    for (const worker of workers) {
      worker.removeAllListeners("exit");
      worker.kill("SIGKILL");
    }
    await client.end().catch(() => {});
    await sleep(500);
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
    await admin.end();
  }
}

async function main() {
  if (values.worker) {
    await runWorker(values.worker as Mechanism, values["database-url"] ?? "", values.instance ?? "?");
    return;
  }
  const { server, url, name } = benchDatabaseUrl();
  console.log(`# ${os.cpus().length} CPUs, ${os.cpus()[0]?.model ?? "?"}; PostgreSQL at ${new URL(server).host}`);
  const mechanisms: Mechanism[] = values.only ? [values.only as Mechanism] : ["lib", "boss"];
  for (const mechanism of mechanisms) {
    // Each in its own process state: lib/jobs' Prisma client reads DATABASE_URL once.
    console.log(JSON.stringify(await benchOne(mechanism, server, url, name)));
  }
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
