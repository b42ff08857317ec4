/**
 * The email queue against real PostgreSQL and a real SMTP server: builds for
 * one person within the window share one row; claims never hand one email to
 * two workers; a temporary SMTP failure is retried after the backoff, not
 * before; who may see the build is checked again at send time.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import { startSmtpServer, type TestSmtpServer } from "../../tests/helpers/smtp-server";

let smtp: TestSmtpServer;
let db: Awaited<ReturnType<typeof import("../../tests/helpers/domain-database").useDomainDatabase>>;
let appId = "";
let userId = "";
let channelId = "";

async function insertBuild(buildNumber: string): Promise<string> {
  const [build] = await db.query<{ id: string }>(
    `INSERT INTO builds (id, app_id, bundle_id, version, build_number, name, size_bytes, sha256, storage_key)
     VALUES (gen_random_uuid(), $1, 'com.example.queue', '1.0', $2, 'Queue', 1, $3, 'x') RETURNING id`,
    [appId, buildNumber, randomBytes(32).toString("hex")],
  );
  await db.query("INSERT INTO build_channels (build_id, channel_id) VALUES ($1, $2)", [build?.id, channelId]);
  return build?.id ?? "";
}

before(async () => {
  smtp = await startSmtpServer();
  process.env.SMTP_URL = smtp.url;
  process.env.MAIL_FROM = "ferry@example.com";
  process.env.NOTIFY_BATCH_WINDOW = "0s";
  const { useDomainDatabase } = await import("../../tests/helpers/domain-database");
  db = await useDomainDatabase();
  const [user] = await db.query<{ id: string }>(
    "INSERT INTO users (id, email, role, updated_at) VALUES (gen_random_uuid(), 'watcher@example.com', 'member', now()) RETURNING id",
  );
  userId = user?.id ?? "";
  const [app] = await db.query<{ id: string }>(
    "INSERT INTO apps (id, bundle_id, name, visibility, updated_at) VALUES (gen_random_uuid(), 'com.example.queue', 'Queue', 'everyone', now()) RETURNING id",
  );
  appId = app?.id ?? "";
  const [channel] = await db.query<{ id: string }>(
    "INSERT INTO channels (id, app_id, name, is_default) VALUES (gen_random_uuid(), $1, 'default', true) RETURNING id",
    [appId],
  );
  channelId = channel?.id ?? "";
  await db.query("INSERT INTO watches (user_id, app_id) VALUES ($1, $2)", [userId, appId]);
});
after(async () => {
  await db?.cleanup();
  await smtp?.close();
});

test("a burst shares one email; each build once per person; claims are exclusive", async () => {
  const { claimDueMails, enqueueBuildNotifications } = await import("@/lib/notifications/outbox");
  const a = await insertBuild("1");
  const b = await insertBuild("2");
  assert.equal(await enqueueBuildNotifications({ id: a, appId }, ["default"]), 1);
  assert.equal(await enqueueBuildNotifications({ id: b, appId }, ["default"]), 1);
  assert.equal(await enqueueBuildNotifications({ id: a, appId }, ["default"]), 0, "told once");
  const mails = await db.query<{ id: string; n: number }>(
    "SELECT m.id, (SELECT count(*)::int FROM notification_items i WHERE i.mail_id = m.id) AS n FROM notification_mails m",
  );
  assert.deepEqual(
    mails.map((m) => m.n),
    [2],
  );
  const [first, second] = await Promise.all([claimDueMails(10), claimDueMails(10)]);
  assert.equal((first?.length ?? 0) + (second?.length ?? 0), 1, "one worker gets it");
  // A build after the claim opens a new email instead of joining the one being sent.
  const c = await insertBuild("3");
  assert.equal(await enqueueBuildNotifications({ id: c, appId }, ["default"]), 1);
  assert.equal((await db.query("SELECT 1 FROM notification_mails")).length, 2);
  await db.query("DELETE FROM notification_mails");
});

test("a temporary SMTP failure is retried after the backoff; access is checked again when sending", async () => {
  const { enqueueBuildNotifications } = await import("@/lib/notifications/outbox");
  const { createMailWorker, smtpSender } = await import("@/lib/notifications/worker");
  const worker = createMailWorker({ send: smtpSender(smtp.url), from: "ferry@example.com", retryBaseSeconds: 2 });
  const build = await insertBuild("4");
  assert.equal(await enqueueBuildNotifications({ id: build, appId }, ["default"]), 1);
  smtp.refuseNext(1);
  assert.equal(await worker.tick(), 1);
  await worker.settled();
  const [failed] = await db.query<{ status: string; attempts: number; last_error: string; wait: number }>(
    "SELECT status, attempts, last_error, extract(epoch FROM next_attempt_at - now())::float AS wait FROM notification_mails",
  );
  assert.equal(failed?.status, "pending");
  assert.equal(failed?.attempts, 1);
  assert.match(failed?.last_error ?? "", /451|Try again/);
  assert.ok((failed?.wait ?? 0) > 1, "waits out the backoff");
  assert.equal(await worker.tick(), 0, "not before the backoff");
  await new Promise((r) => setTimeout(r, 2200));
  assert.equal(await worker.tick(), 1);
  await worker.settled();
  assert.equal(smtp.received.length, 1);
  assert.deepEqual(smtp.received[0]?.to, ["watcher@example.com"]);
  const [sent] = await db.query<{ status: string; attempts: number }>(
    "SELECT status, attempts FROM notification_mails",
  );
  assert.deepEqual(sent, { status: "sent", attempts: 2 });

  // The app is restricted before the next email goes out: it is skipped, nothing is sent.
  const later = await insertBuild("5");
  assert.equal(await enqueueBuildNotifications({ id: later, appId }, ["default"]), 1);
  await db.query("UPDATE apps SET visibility = 'restricted' WHERE id = $1", [appId]);
  assert.equal(await worker.tick(), 1);
  await worker.settled();
  assert.equal(smtp.received.length, 1);
  const statuses = await db.query<{ status: string }>("SELECT status FROM notification_mails ORDER BY created_at");
  assert.deepEqual(
    statuses.map((s) => s.status),
    ["sent", "skipped"],
  );
});
