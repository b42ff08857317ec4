/** Domain tests: the hot paths' batched audit writes against a real database, no server. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { flushAuditQueue, queueAudit } from "@/lib/audit/audit-queue";
import { prisma } from "@/lib/db/client";
import { useDomainDatabase } from "@/tests/helpers/domain-database";

let db: Awaited<ReturnType<typeof useDomainDatabase>>;

before(async () => {
  db = await useDomainDatabase();
});
after(async () => db?.cleanup());

const actor = { id: "6f1c2a4e-1b2c-4d3e-8f90-0a1b2c3d4e5f", email: "queue@example.com" };

async function rows(userAgent: string) {
  return db.query<{ action: string; actor_id: string; ip: string; user_agent: string; details: object; at: Date }>(
    "SELECT action, actor_id::text, ip, user_agent, details, at FROM audit_events WHERE user_agent = $1 ORDER BY id",
    [userAgent],
  );
}

function fetchRow(userAgent: string, n: number) {
  return { action: "manifest.fetch" as const, actor, context: { ip: `10.0.0.${n}`, userAgent } };
}

describe("audit queue", () => {
  it("answers write-behind callers at once and writes their rows shortly after, in queue order", async () => {
    const queuedAt = Date.now();
    await Promise.all(Array.from({ length: 50 }, (_, n) => queueAudit(fetchRow("behind", n), { wait: "queued" })));
    // Answered before anything could be committed: nobody waited for a write.
    assert.equal((await rows("behind")).length, 0);
    let written = await rows("behind");
    for (let i = 0; i < 100 && written.length < 50; i++) {
      await sleep(20);
      written = await rows("behind");
    }
    assert.deepEqual(
      written.map((r) => r.ip),
      Array.from({ length: 50 }, (_, n) => `10.0.0.${n}`),
    );
    const first = written[0];
    assert.equal(first?.action, "manifest.fetch");
    assert.equal(first?.actor_id, actor.id);
    assert.deepEqual(first?.details, {});
    // Stamped when queued, not when written.
    assert.ok(Math.abs((first?.at.getTime() ?? 0) - queuedAt) < 1_000);
  });

  it("a caller that waits for its row finds it, and every row queued before it, written", async () => {
    void queueAudit(fetchRow("ordered", 1), { wait: "queued" });
    void queueAudit(fetchRow("ordered", 2), { wait: "queued" });
    await queueAudit({ ...fetchRow("ordered", 3), action: "ipa.download", details: { range: "bytes=0-" } });
    const written = await rows("ordered");
    assert.deepEqual(
      written.map((r) => [r.action, r.ip]),
      [
        ["manifest.fetch", "10.0.0.1"],
        ["manifest.fetch", "10.0.0.2"],
        ["ipa.download", "10.0.0.3"],
      ],
    );
    assert.deepEqual(written[2]?.details, { range: "bytes=0-" });
  });

  it("a flush writes every queued row without waiting for company", async () => {
    for (let n = 0; n < 1_500; n++) void queueAudit(fetchRow("flushed", n % 250), { wait: "queued" });
    await flushAuditQueue();
    assert.equal((await rows("flushed")).length, 1_500);
  });

  it("a failed write is logged, not thrown, and the queue keeps going", async () => {
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args);
    try {
      // Not a UUID: the whole INSERT fails.
      await queueAudit({ ...fetchRow("failed", 1), actor: { id: "not-a-uuid", email: "x@example.com" } });
    } finally {
      console.error = original;
    }
    assert.equal(errors.length, 1);
    await queueAudit(fetchRow("after-failure", 1));
    assert.equal((await rows("after-failure")).length, 1);
  });

  it("rows the database could not take while every pooled connection was busy are written once it frees up", {
    timeout: 60_000,
  }, async () => {
    // Every connection of the pool (pg's default of 10) busy for longer than the pool lets a query wait
    // for one (5 s, lib/db/client.ts): the queue's INSERT fails with "timeout exceeded when trying to
    // connect", as it did under a burst of installs. Those rows were dropped.
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args);
    const busy = Array.from({ length: 10 }, () => prisma().$queryRaw`SELECT pg_sleep(7)`.catch(() => null));
    try {
      await sleep(200);
      const written = queueAudit(fetchRow("busy-pool", 1));
      await Promise.all(busy);
      await written;
    } finally {
      console.error = original;
    }
    assert.deepEqual(
      (await rows("busy-pool")).map((r) => r.ip),
      ["10.0.0.1"],
      `written once (logged: ${JSON.stringify(errors).slice(0, 300)})`,
    );
    assert.equal(errors.length, 0);
  });
});
