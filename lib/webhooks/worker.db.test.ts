/**
 * The delivery worker against a real database and real receivers: a receiver
 * that never answers holds up only its own deliveries (at most MAX_PER_RECEIVER
 * at once), while another receiver's deliveries, even ones queued later, are
 * sent and recorded. Ordering and outcomes only, no durations.
 */
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { CLI_ACTOR } from "@/lib/access/actor";
import { createUser } from "@/lib/users/mutations";
import { enqueueBuildCreated, startWebhookWorker } from "@/lib/webhooks/deliveries";
import { createWebhook } from "@/lib/webhooks/mutations";
import { useDomainDatabase } from "@/tests/helpers/domain-database";
import { seedBuild } from "@/tests/helpers/seed-builds";

// The receivers listen on 127.0.0.1: the tests-only allowance, read when the configuration is first loaded.
process.env.WEBHOOK_ALLOW_LOOPBACK = "true";
const MAX_PER_RECEIVER = 2;

let db: Awaited<ReturnType<typeof useDomainDatabase>>;
let uploaderId: string;
const servers: http.Server[] = [];
/** What the receivers saw, in order. */
const events: string[] = [];
const held: http.ServerResponse[] = [];
let answerSlow = false;
let slowOpen = 0;
let slowMaxOpen = 0;
let fastCount = 0;

async function listen(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

before(async () => {
  db = await useDomainDatabase();
  uploaderId = (await createUser({ email: "admin@example.com", role: "admin" }, CLI_ACTOR)).id;
});
after(async () => {
  for (const res of held) res.destroy();
  for (const server of servers) server.close();
  await db?.cleanup();
});

async function waitFor(done: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await done()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}; receivers saw ${JSON.stringify(events)}`);
}

async function statuses(bundleId: string): Promise<string[]> {
  const rows = await db.query<{ status: string }>(
    `SELECT d.status FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id JOIN apps a ON a.id = w.app_id
     WHERE a.bundle_id = $1 ORDER BY d.created_at, d.id`,
    [bundleId],
  );
  return rows.map((r) => r.status);
}

test("a receiver that never answers delays no other receiver's deliveries, and gets at most a few at once", async () => {
  const slowUrl = await listen((req, res) => {
    slowOpen++;
    slowMaxOpen = Math.max(slowMaxOpen, slowOpen);
    events.push("slow request");
    // The response closes when it is answered or the connection goes (a request's own "close" comes with its body's end).
    res.on("close", () => {
      slowOpen--;
      events.push("slow closed");
    });
    req.resume();
    if (answerSlow) res.end("late");
    else held.push(res);
  });
  const fastUrl = await listen((req, res) => {
    fastCount++;
    events.push(`fast request ${fastCount}`);
    req.resume();
    res.end("ok");
  });

  let label = 0;
  const upload = (bundleId: string) =>
    seedBuild(db.dataDir, { bundleId, label: String(++label), uploadedById: uploaderId });
  const slowApp = await upload("com.example.slow");
  const fastApp = await upload("com.example.fast");
  await createWebhook({ appId: slowApp.appId, url: `${slowUrl}/hook` }, CLI_ACTOR);
  await createWebhook({ appId: fastApp.appId, url: `${fastUrl}/hook` }, CLI_ACTOR);
  // Three deliveries for the receiver that hangs, then one for the other.
  for (let i = 0; i < 3; i++) await enqueueBuildCreated(await upload("com.example.slow"));
  await enqueueBuildCreated(await upload("com.example.fast"));

  const stop = startWebhookWorker({ retryBaseSeconds: 60, log: () => {}, everyMs: 100 });
  try {
    await waitFor(() => fastCount >= 1 && slowOpen >= 1, "the first deliveries");
    // Queued while the slow receiver holds its requests: sent at once, not after the slow ones time out.
    await enqueueBuildCreated(await upload("com.example.fast"));
    await waitFor(async () => (await statuses("com.example.fast")).every((s) => s === "delivered"), "the fast two");
    assert.equal(fastCount, 2);
    assert.ok(!events.includes("slow closed"), `the slow requests were still open: ${JSON.stringify(events)}`);
    assert.ok(
      events.indexOf("fast request 2") < events.indexOf("slow closed") || !events.includes("slow closed"),
      "the later fast delivery went out while the slow ones waited",
    );
    assert.deepEqual(
      (await statuses("com.example.slow")).every((s) => s === "pending"),
      true,
      "the slow ones are still pending",
    );
    assert.equal(slowMaxOpen, MAX_PER_RECEIVER, "the slow receiver got only its share at once");

    // Once the slow receiver answers, its held and its waiting deliveries go through.
    answerSlow = true;
    for (const res of held.splice(0)) res.end("late");
    await waitFor(async () => (await statuses("com.example.slow")).every((s) => s === "delivered"), "the slow three");
    assert.equal(events.filter((e) => e === "slow request").length, 3, "each slow delivery sent once");
    assert.ok(slowMaxOpen <= MAX_PER_RECEIVER);
  } finally {
    stop();
  }
});
