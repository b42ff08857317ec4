/**
 * Domain tests, real PostgreSQL: the durable job table. Concurrent claims
 * never share a job (SKIP LOCKED), a job whose worker died is resumed when its
 * lease runs out and completes once, failures are retried with backoff and
 * shown, refusals fail at once, and the worker runs handlers end to end.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CLI_ACTOR } from "@/lib/access/actor";
import { AppError } from "@/lib/errors";
import { listBackgroundWorkPage } from "@/lib/jobs/data";
import {
  claimJobs,
  completeJob,
  enqueueJob,
  failJob,
  findJob,
  jobRetryDelaySeconds,
  renewLease,
} from "@/lib/jobs/jobs";
import { enqueueScheduledJobs } from "@/lib/jobs/schedule";
import { createJobWorker } from "@/lib/jobs/worker";
import { createUser } from "@/lib/users/mutations";
import { useDomainDatabase } from "@/tests/helpers/domain-database";

let db: Awaited<ReturnType<typeof useDomainDatabase>>;
before(async () => {
  db = await useDomainDatabase();
});
after(async () => db?.cleanup());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("jobs", () => {
  it("concurrent claims never take the same job", async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 6; i++) ids.add((await enqueueJob({ kind: "test.claim", payload: { i } })).id);
    const claims = await Promise.all(
      Array.from({ length: 4 }, (_, w) => claimJobs({ kinds: ["test.claim"], limit: 2, workerId: `w${w}` })),
    );
    const claimed = claims.flat().map((j) => j.id);
    assert.equal(claimed.length, 6, "all six claimed by someone");
    assert.equal(new Set(claimed).size, 6, "none twice");
    for (const job of claims.flat()) {
      assert.equal(job.status, "running");
      assert.equal(job.attempts, 1);
      assert.ok(await completeJob(job, { ok: true }));
    }
    // Nothing left to claim.
    assert.deepEqual(await claimJobs({ kinds: ["test.claim"], limit: 10 }), []);
  });

  it("a job whose worker died is taken over after its lease and completes once", async () => {
    const queued = await enqueueJob({ kind: "test.lease", payload: {} });
    const [dead] = await claimJobs({ kinds: ["test.lease"], leaseSeconds: 1, workerId: "dead" });
    assert.ok(dead);
    // Within the lease nobody else takes it.
    assert.deepEqual(await claimJobs({ kinds: ["test.lease"], workerId: "other" }), []);
    await sleep(1200);
    const [resumed] = await claimJobs({ kinds: ["test.lease"], workerId: "alive" });
    assert.equal(resumed?.id, queued.id);
    assert.equal(resumed?.attempts, 2);
    // The dead worker's late answers change nothing.
    assert.equal(await renewLease(dead), false);
    assert.equal(await completeJob(dead, { from: "dead" }), false);
    assert.ok(resumed && (await completeJob(resumed, { from: "alive" })));
    const done = await findJob(queued.id);
    assert.equal(done?.status, "succeeded");
    assert.deepEqual(done?.result, { from: "alive" });
  });

  it("a job whose last allowed attempt died is failed, not taken over again", async () => {
    const queued = await enqueueJob({ kind: "test.crash", payload: {}, maxAttempts: 2 });
    for (const worker of ["first", "second"]) {
      const [claimed] = await claimJobs({ kinds: ["test.crash"], leaseSeconds: 1, workerId: worker });
      assert.equal(claimed?.id, queued.id, `${worker} attempt`);
      await sleep(1200);
    }
    assert.deepEqual(await claimJobs({ kinds: ["test.crash"], workerId: "third" }), []);
    const row = await findJob(queued.id);
    assert.equal(row?.status, "failed");
    assert.equal(row?.attempts, 2);
    assert.match(row?.error?.message ?? "", /interrupted/);
    assert.ok(row?.finishedAt);
  });

  it("a renewed lease keeps a slow job its worker's", async () => {
    await enqueueJob({ kind: "test.renew", payload: {} });
    const [job] = await claimJobs({ kinds: ["test.renew"], leaseSeconds: 1, workerId: "slow" });
    assert.ok(job);
    for (let i = 0; i < 3; i++) {
      await sleep(500);
      assert.ok(await renewLease(job, 1));
    }
    assert.deepEqual(await claimJobs({ kinds: ["test.renew"], workerId: "thief" }), []);
    assert.ok(await completeJob(job, {}));
  });

  it("failures are retried with backoff and show their error; refusals and the last attempt fail for good", async () => {
    assert.deepEqual(
      [1, 2, 3].map((n) => jobRetryDelaySeconds(n, 30)),
      [30, 60, 120],
    );
    const flaky = await enqueueJob({ kind: "test.fail", payload: {}, maxAttempts: 2 });
    let [job] = await claimJobs({ kinds: ["test.fail"] });
    assert.ok(job);
    assert.equal(await failJob(job, new Error("disk on fire at /secret/path"), { retryBaseSeconds: 1 }), "queued");
    let row = await findJob(flaky.id);
    assert.equal(row?.status, "queued");
    // The caller sees a generic sentence, never the internal message.
    assert.equal(row?.error?.code, "internal");
    assert.ok(!row?.error?.message.includes("/secret/path"));
    assert.ok(row && row.runAt.getTime() > Date.now() + 200, "waits for the backoff");
    assert.deepEqual(await claimJobs({ kinds: ["test.fail"] }), []);
    await sleep(1100);
    [job] = await claimJobs({ kinds: ["test.fail"] });
    assert.equal(job?.attempts, 2);
    assert.ok(job);
    assert.equal(await failJob(job, new Error("again")), "failed", "no attempts left");
    row = await findJob(flaky.id);
    assert.equal(row?.status, "failed");
    assert.ok(row?.finishedAt);

    const refused = await enqueueJob({ kind: "test.refuse", payload: {} });
    const [claimed] = await claimJobs({ kinds: ["test.refuse"] });
    assert.ok(claimed);
    const status = await failJob(claimed, new AppError("signing_profile_expired", "The profile expired."));
    assert.equal(status, "failed", "a refusal of the input is not retried");
    assert.deepEqual((await findJob(refused.id))?.error, {
      code: "signing_profile_expired",
      message: "The profile expired.",
    });
  });

  it("the worker runs a handler and records its result or its error", async () => {
    const good = await enqueueJob({ kind: "test.worker", payload: { n: 2 } });
    const bad = await enqueueJob({ kind: "test.worker", payload: { n: -1 } });
    const lines: string[] = [];
    const worker = createJobWorker({
      handlers: {
        "test.worker": async (job) => {
          const n = Number(job.payload.n);
          if (n < 0) throw new AppError("bad_request", "n must be positive");
          return { square: n * n };
        },
      },
      log: (line) => lines.push(line),
      concurrency: 2,
    });
    assert.equal(await worker.tick(), 2);
    await worker.settled();
    assert.deepEqual((await findJob(good.id))?.result, { square: 4 });
    assert.equal((await findJob(good.id))?.status, "succeeded");
    assert.equal((await findJob(bad.id))?.status, "failed");
    assert.equal((await findJob(bad.id))?.error?.message, "n must be positive");
    assert.ok(lines.some((l) => l.includes(bad.id)));
  });

  it("a scheduled job is queued once per period however many instances offer it, and runs once", async () => {
    const schedule = [
      { kind: "test.sweep-a", everyMs: 600_000 },
      { kind: "test.sweep-b", everyMs: 600_000 },
    ];
    const at = new Date("2026-12-08T10:03:00Z");
    // Three instances offering the same period at once: two jobs in all.
    const offered = await Promise.all([1, 2, 3].map(() => enqueueScheduledJobs(at, schedule)));
    assert.equal(
      offered.reduce((a, b) => a + b, 0),
      2,
    );
    assert.equal(await enqueueScheduledJobs(new Date("2026-12-08T10:09:59Z"), schedule), 0, "same period");
    const rows = await db.query<{ kind: string; period: string }>(
      "SELECT kind, payload->>'period' AS period FROM jobs WHERE kind LIKE 'test.sweep-%' ORDER BY kind",
    );
    assert.deepEqual(rows, [
      { kind: "test.sweep-a", period: "2026-12-08T10:00:00.000Z" },
      { kind: "test.sweep-b", period: "2026-12-08T10:00:00.000Z" },
    ]);
    // Two workers (two instances) run them: each once.
    const runs: string[] = [];
    const handlers = {
      "test.sweep-a": async () => {
        runs.push("a");
        return { ran: "a" };
      },
      "test.sweep-b": async () => {
        runs.push("b");
        return { ran: "b" };
      },
    };
    const workers = [1, 2].map((w) => createJobWorker({ handlers, log: () => {}, concurrency: 2, workerId: `i${w}` }));
    await Promise.all(workers.map((w) => w.tick()));
    await Promise.all(workers.map((w) => w.settled()));
    assert.deepEqual(runs.sort(), ["a", "b"]);
    // The next period is a new job; a finished one does not block it, nor is it queued again.
    assert.equal(await enqueueScheduledJobs(new Date("2026-12-08T10:10:00Z"), schedule), 2);
    assert.equal(await enqueueScheduledJobs(at, schedule), 0, "a finished period is not run again");
  });

  it("the admin's list pages through unfinished and failed work of every kind, once each, admins only", async () => {
    await db.query("DELETE FROM jobs");
    const user = await createUser({ email: "ops@example.com", role: "admin" }, CLI_ACTOR);
    const member = await createUser({ email: "someone@example.com", role: "member" }, CLI_ACTOR);
    const [app] = await db.query<{ id: string }>(
      "INSERT INTO apps (id, bundle_id, name, visibility, updated_at) VALUES (gen_random_uuid(), 'com.example.jobs', 'Jobs', 'everyone', now()) RETURNING id",
    );
    const [hook] = await db.query<{ id: string }>(
      "INSERT INTO webhooks (app_id, url, secret, events) VALUES ($1, 'https://hooks.example.com/x', 's', '{build.created}') RETURNING id",
      [app?.id],
    );
    // Same timestamps on purpose: the keyset must neither skip nor repeat rows that share one.
    const at = "2026-12-08T10:00:00Z";
    for (const status of ["queued", "running", "failed", "succeeded"]) {
      await db.query(
        "INSERT INTO jobs (id, kind, status, created_at, error) VALUES (gen_random_uuid(), 'test.list', $1, $2, $3)",
        [status, at, status === "failed" ? { code: "internal", message: "boom" } : null],
      );
    }
    for (const status of ["pending", "failed", "delivered"]) {
      await db.query(
        "INSERT INTO webhook_deliveries (webhook_id, event, payload, status, last_error, created_at) VALUES ($1, 'build.created', '{}', $2, $3, $4)",
        [hook?.id, status, status === "failed" ? "HTTP 500" : null, at],
      );
    }
    for (const status of ["pending", "sent"]) {
      await db.query("INSERT INTO notification_mails (user_id, status, created_at) VALUES ($1, $2, $3)", [
        user.id,
        status,
        at,
      ]);
    }
    const limits = { webhookAttempts: 6, mailAttempts: 6 };
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const result = await listBackgroundWorkPage(user, { limit: 2, cursor }, limits);
      seen.push(...result.items.map((r) => `${r.source}:${r.kind}:${r.status}:${r.error ?? ""}`));
      if (!result.nextCursor) break;
      cursor = result.nextCursor;
    }
    assert.deepEqual(seen.sort(), [
      "job:test.list:failed:boom",
      "job:test.list:queued:",
      "job:test.list:running:",
      "mail:notification email:queued:",
      "webhook:webhook build.created:failed:HTTP 500",
      "webhook:webhook build.created:queued:",
    ]);
    await assert.rejects(
      listBackgroundWorkPage(member, { limit: 2 }, limits),
      (e: unknown) => e instanceof AppError && e.code === "forbidden",
    );
  });
});
