/** Domain tests: webhook queueing, claiming by concurrent workers, backoff, against a real database, no server. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CLI_ACTOR, userActor } from "@/lib/access/actor";
import { promoteBuild } from "@/lib/channels/mutations";
import { AppError } from "@/lib/errors";
import type { UserDto } from "@/lib/users/data";
import { createUser } from "@/lib/users/mutations";
import { listDeliveriesForApp, listWebhooksForApp } from "@/lib/webhooks/data";
import {
  claimDueDeliveries,
  enqueueBuildCreated,
  MAX_ATTEMPTS,
  MAX_PER_RECEIVER,
  recordAttempt,
  retryDelaySeconds,
  sendDelivery,
} from "@/lib/webhooks/deliveries";
import { createWebhook, deleteWebhook, setWebhookEnabled } from "@/lib/webhooks/mutations";
import { useDomainDatabase } from "@/tests/helpers/domain-database";
import { seedBuild } from "@/tests/helpers/seed-builds";

let db: Awaited<ReturnType<typeof useDomainDatabase>>;
let adminUser: UserDto;
let member: UserDto;
const context = { ip: "203.0.113.9", userAgent: "domain-test" };
const rejectsWith = (code: string) => (error: unknown) => error instanceof AppError && error.code === code;

before(async () => {
  db = await useDomainDatabase();
  adminUser = await createUser({ email: "admin@example.com", role: "admin" }, CLI_ACTOR);
  member = await createUser({ email: "uploader@example.com", role: "uploader" }, CLI_ACTOR);
});
after(async () => db?.cleanup());

async function pendingCount(): Promise<number> {
  const [row] = await db.query<{ n: string }>("SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'pending'");
  return Number(row?.n ?? 0);
}

describe("webhooks", () => {
  it("only admins manage webhooks; the secret is returned once and only hinted afterwards; changes are audited", async () => {
    const build = await seedBuild(db.dataDir, {
      bundleId: "com.example.hooks",
      label: "0",
      uploadedById: adminUser.id,
    });
    const input = { appId: build.appId, url: "https://chat.example.com:8080/hook", secret: "s".repeat(20) };
    await assert.rejects(createWebhook(input, userActor(member, context)), rejectsWith("forbidden"));
    await assert.rejects(
      createWebhook({ ...input, url: "ftp://example.com/x" }, userActor(adminUser, context)),
      rejectsWith("bad_request"),
    );
    const created = await createWebhook({ appId: build.appId, url: input.url }, userActor(adminUser, context));
    assert.equal(created.secret.length, 48, "a generated secret");
    assert.deepEqual(created.webhook.events, ["build.created"]);
    assert.equal(created.webhook.secretHint, `••••${created.secret.slice(-4)}`);
    assert.ok(!JSON.stringify(await listWebhooksForApp(CLI_ACTOR, build.appId)).includes(created.secret));
    await setWebhookEnabled({ appId: build.appId, webhookId: created.webhook.id, enabled: false }, CLI_ACTOR);
    await deleteWebhook({ appId: build.appId, webhookId: created.webhook.id }, userActor(adminUser, context));
    const audit = await db.query<{ action: string; details: Record<string, unknown> }>(
      "SELECT action, details FROM audit_events WHERE action LIKE 'webhook.%' ORDER BY at, id",
    );
    assert.deepEqual(audit.map((a) => a.action).sort(), ["webhook.create", "webhook.delete", "webhook.disable"]);
    assert.ok(!JSON.stringify(audit).includes(created.secret), "no secret in the audit trail");
  });

  it("a new build queues one delivery per enabled webhook subscribed to the event, with the build's URLs", async () => {
    const first = await seedBuild(db.dataDir, { bundleId: "com.example.q", label: "1", uploadedById: adminUser.id });
    const other = await seedBuild(db.dataDir, {
      bundleId: "com.example.other",
      label: "1",
      uploadedById: adminUser.id,
    });
    const hook = (await createWebhook({ appId: first.appId, url: "https://hooks.example.com/a" }, CLI_ACTOR)).webhook;
    await createWebhook(
      { appId: first.appId, url: "https://hooks.example.com/b", events: ["build.promoted"] },
      CLI_ACTOR,
    );
    const off = (await createWebhook({ appId: first.appId, url: "https://hooks.example.com/c" }, CLI_ACTOR)).webhook;
    await setWebhookEnabled({ appId: first.appId, webhookId: off.id, enabled: false }, CLI_ACTOR);
    await createWebhook({ appId: other.appId, url: "https://hooks.example.com/d" }, CLI_ACTOR);

    const build = await seedBuild(db.dataDir, {
      bundleId: "com.example.q",
      label: "2",
      uploadedById: adminUser.id,
      channel: "beta",
    });
    assert.equal(await enqueueBuildCreated(build), 1);
    const [delivery, ...rest] = await listDeliveriesForApp(CLI_ACTOR, first.appId);
    assert.equal(rest.length, 0);
    assert.equal(delivery?.webhookId, hook.id);
    assert.equal(delivery?.event, "build.created");
    const [row] = await db.query<{ payload: Record<string, unknown> }>(
      "SELECT payload FROM webhook_deliveries WHERE id = $1",
      [delivery?.id],
    );
    assert.deepEqual(row?.payload.build, { id: build.id, version: "2", buildNumber: "2", channel: "beta" });
    assert.equal(row?.payload.pageUrl, `https://ferry.test/apps/${build.appId}/builds/${build.id}`);
    assert.equal(row?.payload.channelLatestUrl, `https://ferry.test/apps/${build.appId}/channels/beta`);

    // Promotion queues build.promoted for the webhook subscribed to it.
    await promoteBuild({ buildId: build.id, channel: "production" }, CLI_ACTOR);
    const promoted = (await listDeliveriesForApp(CLI_ACTOR, first.appId)).filter((d) => d.event === "build.promoted");
    assert.equal(promoted.length, 1);
    await db.query("DELETE FROM webhook_deliveries");
  });

  it("two workers claiming at the same time get each due delivery exactly once (SKIP LOCKED)", async () => {
    const base = await seedBuild(db.dataDir, { bundleId: "com.example.claim", label: "1", uploadedById: adminUser.id });
    for (let i = 0; i < 4; i++) {
      await createWebhook({ appId: base.appId, url: `https://hooks-${i}.example.com/${i}` }, CLI_ACTOR);
    }
    for (let i = 2; i < 12; i++) {
      const b = await seedBuild(db.dataDir, {
        bundleId: "com.example.claim",
        label: String(i),
        uploadedById: adminUser.id,
      });
      await enqueueBuildCreated(b);
    }
    assert.equal(await pendingCount(), 40);
    const seen: string[] = [];
    // Bounded: 40 rows, at most 3 per claim, so well under 100 rounds.
    for (let round = 0; round < 100; round++) {
      const [a, b] = await Promise.all([claimDueDeliveries(3), claimDueDeliveries(3)]);
      if (a.length + b.length === 0) break;
      seen.push(...a.map((d) => d.id), ...b.map((d) => d.id));
    }
    assert.equal(seen.length, 40);
    assert.equal(new Set(seen).size, 40, "no delivery claimed twice");
    const attempts = await db.query<{ attempts: number }>("SELECT DISTINCT attempts FROM webhook_deliveries");
    assert.deepEqual(
      attempts.map((r) => r.attempts),
      [1],
    );
    // Claimed rows are leased: nothing is due again right away.
    assert.equal((await claimDueDeliveries(100)).length, 0);
    await db.query("DELETE FROM webhook_deliveries");
  });

  it("failed attempts back off exponentially and give up after MAX_ATTEMPTS; success ends it", async () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((n) => retryDelaySeconds(n, 60)),
      [60, 120, 240, 480, 960],
    );
    assert.equal(retryDelaySeconds(30, 60), 6 * 3600, "capped");
    const build = await seedBuild(db.dataDir, {
      bundleId: "com.example.claim",
      label: "99",
      uploadedById: adminUser.id,
    });
    await db.query("DELETE FROM webhooks WHERE url <> 'https://hooks-0.example.com/0'");
    assert.equal(await enqueueBuildCreated(build), 1);
    const fail = { ok: false, status: 500, error: "HTTP 500", snippet: "boom" };
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      // Due now (as if the backoff had passed), claimed, failed.
      await db.query("UPDATE webhook_deliveries SET next_attempt_at = now()");
      const [claimed] = await claimDueDeliveries(10);
      assert.equal(claimed?.attempts, attempt);
      await recordAttempt(claimed as NonNullable<typeof claimed>, fail, 60);
      const [row] = await db.query<{ status: string; wait: number }>(
        "SELECT status, extract(epoch FROM next_attempt_at - last_attempt_at)::float AS wait FROM webhook_deliveries",
      );
      if (attempt < MAX_ATTEMPTS) {
        assert.equal(row?.status, "pending");
        assert.ok(Math.abs((row?.wait ?? 0) - retryDelaySeconds(attempt, 60)) < 2, `wait after attempt ${attempt}`);
      } else {
        assert.equal(row?.status, "failed");
      }
    }
    await db.query("UPDATE webhook_deliveries SET next_attempt_at = now()");
    assert.equal((await claimDueDeliveries(10)).length, 0, "a failed delivery is not retried");
    const [logged] = await listDeliveriesForApp(CLI_ACTOR, build.appId);
    assert.equal(logged?.attempts, MAX_ATTEMPTS);
    assert.equal(logged?.log.length, MAX_ATTEMPTS);
    assert.equal(logged?.lastStatus, 500);
    assert.equal(logged?.responseSnippet, "boom");
  });

  it("refused addresses are refused when saved, in every spelling, storing nothing; URLs are stored as parsed", async () => {
    const build = await seedBuild(db.dataDir, { bundleId: "com.example.ssrf", label: "1", uploadedById: adminUser.id });
    const count = async () => (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM webhooks"))[0]?.n;
    const audits = async () => (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_events"))[0]?.n;
    const [hooksBefore, auditsBefore] = [await count(), await audits()];
    const refused = [
      "http://2130706433/",
      "http://0177.0.0.1/",
      "http://0x7f.1/",
      "http://127.1/",
      "http://[::ffff:127.0.0.1]/",
      "http://[::ffff:7f00:1]/",
      "http:/\\127.0.0.1/",
      "http://localhost:3000/",
      "http://0.0.0.0/",
      "http://[::]/",
      "http://169.254.169.254/latest/meta-data/",
      "http://[fd00:ec2::254]/",
      "http://metadata.google.internal/computeMetadata/v1/",
      "http://metadata/",
      "http://[fe80::1]/",
      "http://[fd00::1]/",
      "http://100.64.0.1/",
      "http://10.0.0.5/",
      "http://172.16.0.1/",
      "http://192.168.0.1/",
      "https://user:pass@hooks.example.com/",
    ];
    for (const url of refused) {
      await assert.rejects(
        createWebhook({ appId: build.appId, url }, userActor(adminUser, context)),
        (e: unknown) =>
          e instanceof AppError && e.code === "bad_request" && /may not be sent|user name/.test(e.message),
        url,
      );
    }
    assert.equal(await count(), hooksBefore, "nothing stored");
    assert.equal(await audits(), auditsBefore, "nothing audited");
    const { webhook } = await createWebhook({ appId: build.appId, url: "HTTPS://Hooks.Example.COM:443/x" }, CLI_ACTOR);
    assert.equal(webhook.url, "https://hooks.example.com/x");
    await db.query("DELETE FROM webhooks");
  });

  it("a webhook stored before the policy is refused at delivery: no connection, the reason logged, no answer", async () => {
    const build = await seedBuild(db.dataDir, { bundleId: "com.example.ssrf", label: "2", uploadedById: adminUser.id });
    for (const url of ["http://169.254.169.254/latest/meta-data/", "http://localhost:9/x", "http://0x7f.1:9/"]) {
      await db.query("INSERT INTO webhooks (app_id, url, secret, events) VALUES ($1, $2, $3, '{build.created}')", [
        build.appId,
        url,
        "s".repeat(20),
      ]);
    }
    assert.equal(await enqueueBuildCreated(build), 3);
    const claimed = await claimDueDeliveries(10);
    assert.equal(claimed.length, 3);
    for (const delivery of claimed) {
      const result = await sendDelivery(delivery);
      assert.equal(result.ok, false);
      assert.equal(result.status, null);
      assert.equal(result.snippet, null);
      assert.match(result.error ?? "", /^refused: .*(metadata|loopback)/, delivery.url);
      await recordAttempt(delivery, result, 60);
    }
    // A name whose DNS answer is private (resolved through an injected resolver) is refused the same way.
    const [named] = claimed;
    const privateAnswer = async () => [{ address: "10.1.2.3", family: 4 }];
    const result = await sendDelivery(
      { ...(named as NonNullable<typeof named>), url: "http://chat.example.test/" },
      { resolve: privateAnswer },
    );
    assert.match(result.error ?? "", /chat\.example\.test resolves to a private network address/);
    const logged = await listDeliveriesForApp(CLI_ACTOR, build.appId);
    assert.ok(logged.every((d) => d.status === "pending" && /^refused: /.test(d.lastError ?? "")));
    await db.query("DELETE FROM webhooks");
  });

  it("a claim takes at most MAX_PER_RECEIVER per receiver, counting those in flight, and skips full receivers", async () => {
    const base = await seedBuild(db.dataDir, { bundleId: "com.example.fair", label: "1", uploadedById: adminUser.id });
    await createWebhook({ appId: base.appId, url: "https://slow.example.com/a" }, CLI_ACTOR);
    await createWebhook({ appId: base.appId, url: "https://slow.example.com/b" }, CLI_ACTOR);
    await createWebhook({ appId: base.appId, url: "https://fast.example.com/c" }, CLI_ACTOR);
    for (let i = 2; i < 6; i++) {
      await enqueueBuildCreated(
        await seedBuild(db.dataDir, { bundleId: "com.example.fair", label: String(i), uploadedById: adminUser.id }),
      );
    }
    assert.equal(await pendingCount(), 12);
    const byReceiver = (claimed: { receiver: string }[]) => {
      const counts: Record<string, number> = {};
      for (const d of claimed) counts[d.receiver] = (counts[d.receiver] ?? 0) + 1;
      return counts;
    };
    // Two receivers (both slow.example.com webhooks share one), however many are due.
    assert.deepEqual(byReceiver(await claimDueDeliveries(10)), {
      "https://slow.example.com": MAX_PER_RECEIVER,
      "https://fast.example.com": MAX_PER_RECEIVER,
    });
    // slow.example.com is full, fast.example.com has one slot left: 8 slow rows due are skipped, not claimed.
    const inFlight = new Map([
      ["https://slow.example.com", MAX_PER_RECEIVER],
      ["https://fast.example.com", MAX_PER_RECEIVER - 1],
    ]);
    assert.deepEqual(byReceiver(await claimDueDeliveries(10, inFlight)), { "https://fast.example.com": 1 });
    await db.query("DELETE FROM webhooks");
  });
});
