/**
 * Background work of several kinds survives its server being killed
 * (SIGKILL, no clean-up): a webhook delivery retry in flight (its receiver
 * holds the request), a history sweep running (held on the audit roll-up's
 * row lock, which this test takes), and work queued while no server runs (a
 * sweep of another kind, and a second delivery). After a restart on the same
 * database each is finished exactly once: the interrupted ones after their
 * lease runs out, by the same claim/lease/backoff (lib/jobs/lease.ts).
 * Outcomes and counts only, no durations.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import pg from "pg";
import { type FerryServer, startFerry } from "./helpers/ferry-server";
import { killHard } from "./helpers/kill-hard";
import { createTestDatabase, queryDatabase } from "./helpers/test-database";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-jobs-kill-"));
const dataDir = path.join(tmp, "data");
// Loopback receivers (tests only); audit retention on, so the history sweep takes the roll-up row.
const env = {
  AUTH_SECRET: "jobs-kill-auth-secret-0123456789-abcdefghij",
  WEBHOOK_ALLOW_LOOPBACK: "true",
  AUDIT_RETENTION: "400d",
};
let database: { url: string; drop: () => Promise<void> };
let server: FerryServer | null = null;
let receiver: http.Server;
let receiverUrl = "";
/** Requests the receiver saw: the X-Ferry-Delivery header of each, and whether it was answered. */
const seen: { delivery: string; answered: boolean }[] = [];
let holding = true;
const held: http.ServerResponse[] = [];
let lockHolder: pg.Client | null = null;

const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
  queryDatabase<T>(database.url, text, params);

async function until<T>(what: string, read: () => Promise<T | null>, timeoutMs = 240_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not done in ${timeoutMs} ms\n${server?.output() ?? ""}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

before(async () => {
  fs.mkdirSync(dataDir);
  database = await createTestDatabase();
  receiver = http.createServer((req, res) => {
    req.resume();
    const entry = { delivery: String(req.headers["x-ferry-delivery"]), answered: false };
    seen.push(entry);
    if (holding) {
      held.push(res);
      return;
    }
    entry.answered = true;
    res.end("ok");
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
});
after(async () => {
  for (const res of held) res.destroy();
  receiver?.close();
  await lockHolder?.end().catch(() => {});
  await server?.stop();
  await database?.drop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const start = async () => {
  server = await startFerry({ databaseUrl: database.url, dataDir, env });
};

test("SIGKILL with a delivery retry, a sweep running and work queued: after a restart each finishes once", async () => {
  await start();
  // The sweeps this start scheduled have run, so the one below is the only one in the sweep lane.
  await until("the start's sweeps", async () => {
    const rows = await sql("SELECT 1 FROM jobs WHERE kind LIKE 'sweep.%' AND status = 'succeeded'");
    return rows.length === 3 ? true : null;
  });

  // A webhook delivery whose first attempt failed and whose retry is due now.
  const [app] = await sql<{ id: string }>(
    "INSERT INTO apps (id, bundle_id, name, visibility, updated_at) VALUES (gen_random_uuid(), 'com.example.kill', 'Kill', 'everyone', now()) RETURNING id",
  );
  const [hook] = await sql<{ id: string }>(
    "INSERT INTO webhooks (app_id, url, secret, events) VALUES ($1, $2, 'kill-test-secret-0123456789', '{build.created}') RETURNING id",
    [app?.id, receiverUrl],
  );
  const [retry] = await sql<{ id: string }>(
    `INSERT INTO webhook_deliveries (webhook_id, event, payload, attempts, last_status, last_error, last_attempt_at, attempt_log)
     VALUES ($1, 'build.created', '{"event":"build.created"}', 1, 500, 'HTTP 500', now(),
             jsonb_build_array(jsonb_build_object('at', now(), 'status', 500, 'error', 'HTTP 500')))
     RETURNING id`,
    [hook?.id],
  );
  // A history sweep that runs until this test lets go of the roll-up row.
  lockHolder = new pg.Client({ connectionString: database.url });
  await lockHolder.connect();
  await lockHolder.query("BEGIN");
  await lockHolder.query("SELECT * FROM audit_rollup WHERE id = 1 FOR UPDATE");
  const [sweep] = await sql<{ id: string }>(
    "INSERT INTO jobs (id, kind, payload) VALUES (gen_random_uuid(), 'sweep.history', '{\"period\":\"kill-test\"}') RETURNING id",
  );

  await until("the retry in flight and the sweep running", async () => {
    const [job] = await sql<{ status: string }>("SELECT status FROM jobs WHERE id = $1", [sweep?.id]);
    const inFlight = seen.some((s) => s.delivery === retry?.id);
    return job?.status === "running" && inFlight ? true : null;
  });
  killHard(server?.pid ?? 0);
  await server?.stop();
  server = null;
  await lockHolder.query("ROLLBACK");
  await lockHolder.end();
  lockHolder = null;

  const [killedSweep] = await sql<{ status: string; attempts: number }>(
    "SELECT status, attempts FROM jobs WHERE id = $1",
    [sweep?.id],
  );
  assert.deepEqual(killedSweep, { status: "running", attempts: 1 });
  const [killedRetry] = await sql<{ status: string; attempts: number }>(
    "SELECT status, attempts FROM webhook_deliveries WHERE id = $1",
    [retry?.id],
  );
  assert.deepEqual(killedRetry, { status: "pending", attempts: 2 }, "the interrupted attempt counted, not recorded");

  // Queued while no server runs (as another instance would): a sweep of another kind and a new delivery.
  const [queuedSweep] = await sql<{ id: string }>(
    "INSERT INTO jobs (id, kind, payload) VALUES (gen_random_uuid(), 'sweep.files', '{\"period\":\"kill-test\"}') RETURNING id",
  );
  const [fresh] = await sql<{ id: string }>(
    "INSERT INTO webhook_deliveries (webhook_id, event, payload) VALUES ($1, 'build.created', '{\"event\":\"build.created\"}') RETURNING id",
    [hook?.id],
  );
  holding = false;
  for (const res of held.splice(0)) res.destroy();

  await start();
  // The lease (60 s) of the interrupted ones must run out before they are taken over.
  await until("every one finished", async () => {
    const jobs = await sql<{ status: string }>("SELECT status FROM jobs WHERE id = ANY($1::uuid[])", [
      [sweep?.id, queuedSweep?.id],
    ]);
    const deliveries = await sql<{ status: string }>(
      "SELECT status FROM webhook_deliveries WHERE id = ANY($1::uuid[])",
      [[retry?.id, fresh?.id]],
    );
    for (const row of [...jobs, ...deliveries]) if (row.status === "failed") throw new Error("one failed");
    const done = jobs.every((j) => j.status === "succeeded") && deliveries.every((d) => d.status === "delivered");
    return done ? true : null;
  });

  // Each job ran to success once: the interrupted sweep on its second attempt, the queued one on its first.
  const jobs = await sql<{ id: string; status: string; attempts: number; result: Record<string, unknown> }>(
    "SELECT id, status, attempts, result FROM jobs WHERE payload->>'period' = 'kill-test' ORDER BY kind",
  );
  assert.deepEqual(
    jobs.map((j) => [j.id, j.status, j.attempts]),
    [
      [queuedSweep?.id, "succeeded", 1],
      [sweep?.id, "succeeded", 2],
    ],
  );
  assert.equal(typeof jobs[1]?.result.daysRolledUp, "number", "the sweep's counts are its result");
  // Each delivery answered once; the interrupted retry's log has its first failure and its success, nothing twice.
  for (const id of [retry?.id, fresh?.id]) {
    assert.equal(seen.filter((s) => s.delivery === id && s.answered).length, 1, `delivery ${id} answered once`);
  }
  const [retried] = await sql<{ attempts: number; log: { status: number | null }[] }>(
    "SELECT attempts, attempt_log AS log FROM webhook_deliveries WHERE id = $1",
    [retry?.id],
  );
  assert.equal(retried?.attempts, 3);
  assert.deepEqual(
    retried?.log.map((entry) => entry.status),
    [500, 200],
  );
  // Nothing left over: no job or delivery still waiting or running from before the kill.
  assert.deepEqual(
    await sql(
      "SELECT kind, status FROM jobs WHERE status IN ('queued', 'running') AND payload->>'period' = 'kill-test'",
    ),
    [],
  );
});
