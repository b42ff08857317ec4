/** Domain tests: pruning old history keeps install counts and funnels exact, in bounded batches, and only old rows go. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CLI_ACTOR } from "@/lib/access/actor";
import { FUNNEL_PEOPLE, installCounts, installFunnel } from "@/lib/audit/install-analytics";
import { pruneHistory } from "@/lib/retention/history-pruning";
import type { UserDto } from "@/lib/users/data";
import { createUser } from "@/lib/users/mutations";
import { useDomainDatabase } from "@/tests/helpers/domain-database";
import { seedBuild } from "@/tests/helpers/seed-builds";

let db: Awaited<ReturnType<typeof useDomainDatabase>>;
let admin: UserDto;
const people: UserDto[] = [];
const DAY = 86_400_000;
const now = new Date("2026-12-01T12:00:00Z");

before(async () => {
  db = await useDomainDatabase();
  admin = await createUser({ email: "admin@example.com", role: "admin" }, CLI_ACTOR);
  for (let i = 0; i < 3; i++) people.push(await createUser({ email: `p${i}@example.com`, role: "member" }, CLI_ACTOR));
});
after(async () => db?.cleanup());

/** Inserts one audit event `daysAgo` days before `now` (fractions spread events over a day). */
async function event(action: string, buildId: string | null, person: UserDto | null, daysAgo: number) {
  await db.query(
    `INSERT INTO audit_events (at, action, actor_id, actor_email, build_id, details)
     VALUES ($1, $2, $3, $4, $5, '{}')`,
    [new Date(now.getTime() - daysAgo * DAY), action, person?.id ?? null, person?.email ?? null, buildId],
  );
}

const count = async (sql: string) => Number((await db.query<{ n: string }>(sql))[0]?.n);

describe("history pruning", () => {
  it("keeps every build's install counts and funnel unchanged while old audit rows go in bounded batches", async () => {
    const a = await seedBuild(db.dataDir, { bundleId: "com.example.prune", label: "1", uploadedById: admin.id });
    const b = await seedBuild(db.dataDir, { bundleId: "com.example.prune", label: "2", uploadedById: admin.id });
    // Old and new events, several per person and day, some without a person, across the retention edge.
    const actions = ["install_page.view", "manifest.fetch", "ipa.download", "ipa.download_complete"];
    let i = 0;
    for (const daysAgo of [800, 500.2, 500.7, 401.5, 400.4, 399.9, 30, 0.5]) {
      for (const build of [a, b]) {
        for (const action of actions) {
          const person = i % 4 === 3 ? null : (people[i % 3] ?? null);
          await event(action, build.id, person, daysAgo);
          if (i % 2 === 0) await event(action, build.id, person, daysAgo + 0.01);
          i++;
        }
      }
    }
    // Other old events: not install events, they go without a trace.
    await event("user.update", null, people[0] ?? null, 700);
    await event("sign_in.failed", null, null, 450);

    const ids = [a.id, b.id];
    const countsBefore = await installCounts(ids);
    const funnelsBefore = [await installFunnel(a.id), await installFunnel(b.id)];
    const total = await count("SELECT count(*) AS n FROM audit_events");
    const cutoff = new Date(Math.floor((now.getTime() - 400 * DAY) / DAY) * DAY);
    const old = await count(`SELECT count(*) AS n FROM audit_events WHERE at < '${cutoff.toISOString()}'`);
    assert.ok(old > 10 && old < total, `old ${old} of ${total}`);

    // One statement of 4 rows per run: each run deletes at most 4, and the numbers never move in between.
    const batches: number[] = [];
    const limits = {
      batchSize: 4,
      maxBatches: 1,
      onBatch: (t: string, n: number) => t === "audit_events" && batches.push(n),
    };
    let deleted = 0;
    for (let run = 0; run < 100; run++) {
      const result = await pruneHistory({ retentionDays: 400, now, limits });
      deleted += result.auditEvents;
      assert.deepEqual(await installCounts(ids), countsBefore, `install counts after run ${run}`);
      assert.deepEqual(await installFunnel(a.id), funnelsBefore[0], `funnel after run ${run}`);
      if (result.auditEvents === 0) break;
    }
    assert.ok(batches.length > 3, "several batches");
    assert.ok(
      batches.every((n) => n <= 4),
      `batches ${batches}`,
    );
    assert.equal(deleted, old, "exactly the rows before the retention edge went");
    assert.equal(await count(`SELECT count(*) AS n FROM audit_events WHERE at < '${cutoff.toISOString()}'`), 0);
    assert.equal(await count("SELECT count(*) AS n FROM audit_events"), total - old);
    assert.deepEqual(await installFunnel(b.id), funnelsBefore[1]);

    // A later run, a day later: one more day is rolled up and pruned, the numbers still hold.
    const later = await pruneHistory({ retentionDays: 400, now: new Date(now.getTime() + DAY) });
    assert.ok(later.auditEvents > 0);
    assert.deepEqual(await installCounts(ids), countsBefore);
    assert.deepEqual(await installFunnel(a.id), funnelsBefore[0]);
    assert.deepEqual(await installFunnel(b.id), funnelsBefore[1]);
    // New events after pruning are counted on top.
    await event("ipa.download", a.id, people[0] ?? null, 0);
    const after1 = (await installCounts([a.id])).get(a.id);
    assert.equal(after1?.downloads, (countsBefore.get(a.id)?.downloads ?? 0) + 1);

    // Retention off: audit events are kept.
    await event("user.update", null, null, 3000);
    assert.equal((await pruneHistory({ retentionDays: null, now })).auditEvents, 0);
  });

  it("deletes delivered webhook deliveries past 30 days, expired enrollments and revocations, nothing else", async () => {
    const build = await seedBuild(db.dataDir, { bundleId: "com.example.hooks", label: "1", uploadedById: admin.id });
    const [hook] = await db.query<{ id: string }>(
      `INSERT INTO webhooks (app_id, url, secret, events) VALUES ($1, 'https://example.com/h', 's', '{build.uploaded}') RETURNING id::text`,
      [build.appId],
    );
    const delivery = (status: string, daysAgo: number) =>
      db.query(
        `INSERT INTO webhook_deliveries (webhook_id, event, payload, status, created_at) VALUES ($1, 'build.uploaded', '{}', $2, $3)`,
        [hook?.id, status, new Date(now.getTime() - daysAgo * DAY)],
      );
    for (let k = 0; k < 7; k++) await delivery("delivered", 31 + k);
    await delivery("delivered", 29);
    await delivery("failed", 60);
    await delivery("pending", 60);
    const person = people[0];
    assert.ok(person);
    const enrollment = (hash: string, expiresInMs: number) =>
      db.query(`INSERT INTO device_enrollments (challenge_hash, user_id, expires_at) VALUES ($1, $2, $3)`, [
        hash,
        person.id,
        new Date(now.getTime() + expiresInMs),
      ]);
    await enrollment("old1", -1000);
    await enrollment("old2", -DAY);
    await enrollment("live", 3600_000);
    const revocation = (sid: string, expiresInMs: number) =>
      db.query(`INSERT INTO revoked_sessions (sid, user_id, expires_at) VALUES ($1, $2, $3)`, [
        sid,
        person.id,
        new Date(now.getTime() + expiresInMs),
      ]);
    await revocation("00000000-0000-4000-8000-000000000001", -1000);
    await revocation("00000000-0000-4000-8000-000000000002", 3600_000);

    const batches: [string, number][] = [];
    const result = await pruneHistory({
      retentionDays: null,
      now,
      limits: { batchSize: 3, onBatch: (t, n) => batches.push([t, n]) },
    });
    assert.equal(result.webhookDeliveries, 7);
    assert.deepEqual(
      batches.filter(([t]) => t === "webhook_deliveries").map(([, n]) => n),
      [3, 3, 1],
    );
    assert.equal(result.enrollments, 2);
    assert.equal(result.revokedSessions, 1);
    const left = await db.query<{ status: string }>(
      "SELECT status FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY status",
      [hook?.id],
    );
    assert.deepEqual(
      left.map((r) => r.status),
      ["delivered", "failed", "pending"],
    );
    assert.deepEqual(
      (await db.query<{ challenge_hash: string }>("SELECT challenge_hash FROM device_enrollments")).map(
        (r) => r.challenge_hash,
      ),
      ["live"],
    );
    assert.equal(await count("SELECT count(*) AS n FROM revoked_sessions"), 1);
  });

  it("deletes finished jobs past 30 days; queued, running and recent ones stay", async () => {
    const job = (status: string, daysAgo: number | null) =>
      db.query(`INSERT INTO jobs (id, kind, status, finished_at) VALUES (gen_random_uuid(), 'test.prune', $1, $2)`, [
        status,
        daysAgo === null ? null : new Date(now.getTime() - daysAgo * DAY),
      ]);
    await job("succeeded", 31);
    await job("failed", 45);
    await job("succeeded", 29);
    await job("queued", null);
    await job("running", null);
    const result = await pruneHistory({ retentionDays: null, now });
    assert.equal(result.jobs, 2);
    const left = await db.query<{ status: string }>(
      "SELECT status FROM jobs WHERE kind = 'test.prune' ORDER BY status",
    );
    assert.deepEqual(
      left.map((r) => r.status),
      ["queued", "running", "succeeded"],
    );
  });

  it("a funnel lists the most recent people only, its totals count everyone, before and after pruning", async () => {
    const build = await seedBuild(db.dataDir, { bundleId: "com.example.many", label: "1", uploadedById: admin.id });
    // FUNNEL_PEOPLE + 20 people, two downloads each, half of them 390 days ago (after the earlier runs' edge, pruned below).
    await db.query(
      `INSERT INTO audit_events (at, action, actor_email, build_id, details)
       SELECT $1::timestamptz - (CASE WHEN p % 2 = 0 THEN 390 ELSE 1 END) * interval '1 day' + p * interval '1 second',
              'ipa.download', 'many' || p || '@example.com', $2::uuid, '{}'
       FROM generate_series(1, $3::int) p, generate_series(1, 2) k`,
      [now, build.id, FUNNEL_PEOPLE + 20],
    );
    const funnel = await installFunnel(build.id);
    assert.equal(funnel.people, FUNNEL_PEOPLE + 20);
    assert.equal(funnel.users.length, FUNNEL_PEOPLE);
    assert.equal(funnel.downloads, 2 * (FUNNEL_PEOPLE + 20));
    assert.equal(funnel.users[0]?.email, `many${FUNNEL_PEOPLE + 19}@example.com`, "most recent first");
    const pruned = await pruneHistory({ retentionDays: 400, now: new Date(now.getTime() + 30 * DAY) });
    assert.ok(pruned.auditEvents >= FUNNEL_PEOPLE, `pruned ${pruned.auditEvents}`);
    assert.deepEqual(await installFunnel(build.id), funnel);
  });
});
