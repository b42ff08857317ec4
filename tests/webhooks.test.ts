/**
 * Outgoing webhooks over real HTTP: the real server uploads builds and its
 * worker POSTs to a real local receiver (node:http). Signatures verify with
 * the secret over the raw body, a flaky receiver gets exactly three attempts
 * with growing gaps, the Slack format, and who may manage webhooks. The address
 * policy: the receivers listen on 127.0.0.1, which only the tests-only
 * WEBHOOK_ALLOW_LOOPBACK lets through; everything else it refuses is refused
 * here, when saved (API, admin page) and when delivered.
 */
import assert from "node:assert/strict";
import { createHmac, timingSafeEqual } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { createToken, createUser, type FerryServer, ROOT, startFerry } from "./helpers/ferry-server";
import { generateIpa } from "./helpers/generate-ipa";
import { invokeAction, parseForms, serverActionIds, userFields, withFields } from "./helpers/server-actions";
import { passwordSession } from "./helpers/session";
import { queryDatabase } from "./helpers/test-database";

type Received = { path: string; headers: http.IncomingHttpHeaders; body: string; at: number };

const BUNDLE = "com.example.webhooks";
const SECRET = "receiver-shared-secret-123";
const UPLOADER = { email: "uploader@example.com", password: "uploader-password-1" };

let server: FerryServer;
let receiver: http.Server;
let receiverUrl: string;
let tmp: string;
let adminToken: string;
let uploaderToken: string;
let appId: string;
const received: Received[] = [];
let flakyCalls = 0;

function startReceiver(): Promise<void> {
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        at: Date.now(),
      });
      if (req.url === "/flaky" && ++flakyCalls <= 2) {
        res.writeHead(500).end("receiver is down");
        return;
      }
      res.writeHead(200, { "content-type": "text/plain" }).end("thanks");
    });
  });
  return new Promise((resolve) =>
    receiver.listen(0, "127.0.0.1", () => {
      receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
      resolve();
    }),
  );
}

async function upload(
  buildNumber: string,
  app: { bundleId: string; displayName?: string } = { bundleId: BUNDLE },
): Promise<{ id: string; appId: string }> {
  const file = path.join(tmp, `${app.bundleId}-${buildNumber}.ipa`);
  await generateIpa(file, {
    bundleId: app.bundleId,
    version: "2.0",
    buildNumber,
    name: "Hooked",
    displayName: app.displayName,
    padBytes: 512,
  });
  const res = await fetch(`${server.baseUrl}/api/v1/builds?channel=beta`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/octet-stream" },
    body: new Uint8Array(fs.readFileSync(file)),
  });
  assert.equal(res.status, 201);
  return ((await res.json()) as { build: { id: string; appId: string } }).build;
}

function hooks(token: string | null, init: RequestInit = {}, suffix = ""): Promise<Response> {
  return fetch(`${server.baseUrl}/api/v1/apps/${appId}/webhooks${suffix}`, {
    ...init,
    headers: {
      "content-type": "application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...init.headers,
    },
  });
}

/** Waits (bounded by time and count) until `done` holds; `poll` refreshes what it looks at first. */
async function waitFor(done: () => boolean, what: string, ms = 30_000, poll?: () => Promise<void>): Promise<void> {
  const until = Date.now() + ms;
  for (let i = 0; i < 600 && Date.now() < until; i++) {
    await poll?.();
    if (done()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}; received ${JSON.stringify(received.map((r) => r.path))}`);
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-webhooks-"));
  await startReceiver();
  // Loopback for the receivers (tests only); private ranges stay refused, as by default.
  server = await startFerry({ env: { WEBHOOK_RETRY_BASE: "1s", WEBHOOK_ALLOW_LOOPBACK: "true" } });
  adminToken = await createToken(server, server.admin.email, ["--scopes", "read,upload"]);
  await createUser(server, { email: UPLOADER.email, password: UPLOADER.password, role: "uploader" });
  uploaderToken = await createToken(server, UPLOADER.email, ["--scopes", "read,upload"]);
  appId = (await upload("1")).appId;
});
after(async () => {
  await server?.stop();
  receiver?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe("webhooks over HTTP", () => {
  const ids: Record<string, string> = {};

  test("admins create webhooks through the API (201, secret returned once); others are refused", async () => {
    const make = async (name: string, body: Record<string, unknown>) => {
      const res = await hooks(adminToken, { method: "POST", body: JSON.stringify(body) });
      assert.equal(res.status, 201, name);
      const json = (await res.json()) as { webhook: { id: string; secretHint: string }; secret: string };
      ids[name] = json.webhook.id;
      return json;
    };
    const json = await make("json", { url: `${receiverUrl}/json`, secret: SECRET, events: ["build.created"] });
    assert.equal(json.secret, SECRET);
    assert.equal(json.webhook.secretHint, `••••${SECRET.slice(-4)}`);
    await make("flaky", { url: `${receiverUrl}/flaky`, secret: SECRET });
    await make("slack", { url: `${receiverUrl}/slack`, secret: SECRET, format: "slack" });

    const bad = await hooks(adminToken, { method: "POST", body: JSON.stringify({ url: "ftp://example.com/x" }) });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: { code: string } }).error.code, "bad_request");

    const body = JSON.stringify({ url: `${receiverUrl}/evil` });
    assert.equal((await hooks(null, { method: "POST", body })).status, 401);
    assert.equal((await hooks(uploaderToken, { method: "POST", body })).status, 403);
    assert.equal((await hooks(uploaderToken)).status, 403, "listing is admin-only");
    const cookie = await passwordSession(server.baseUrl, server.admin.email, server.admin.password);
    assert.ok(cookie);
    const crossSite = await hooks(null, { method: "POST", body, headers: { cookie, origin: "https://evil.example" } });
    assert.equal(crossSite.status, 403, "a cookie-authenticated write needs our own origin");

    const list = await hooks(adminToken);
    assert.equal(list.status, 200);
    const text = await list.text();
    assert.ok(!text.includes(SECRET), "the secret is never listed");
    assert.equal((JSON.parse(text) as { webhooks: unknown[] }).webhooks.length, 3);
  });

  test("a new build is delivered signed; a receiver failing twice gets exactly three attempts, logged; slack gets { text }", async () => {
    const build = await upload("2");
    await waitFor(
      () => received.some((r) => r.path === "/json") && received.some((r) => r.path === "/slack") && flakyCalls >= 3,
      "the deliveries",
    );

    const json = received.find((r) => r.path === "/json");
    assert.ok(json);
    assert.equal(json.headers["content-type"], "application/json");
    assert.equal(json.headers["x-ferry-event"], "build.created");
    const expected = Buffer.from(`sha256=${createHmac("sha256", SECRET).update(json.body).digest("hex")}`);
    const signature = Buffer.from(String(json.headers["x-ferry-signature"]));
    assert.ok(signature.length === expected.length && timingSafeEqual(signature, expected), "signature verifies");
    const wrong = createHmac("sha256", "another-secret-entirely").update(json.body).digest("hex");
    assert.notEqual(String(json.headers["x-ferry-signature"]), `sha256=${wrong}`);
    const payload = JSON.parse(json.body) as Record<string, Record<string, string> | string>;
    assert.equal(payload.event, "build.created");
    assert.deepEqual(payload.build, { id: build.id, version: "2.0", buildNumber: "2", channel: "beta" });
    assert.deepEqual(payload.app, { id: appId, name: "Hooked", bundleId: BUNDLE });
    assert.equal(payload.pageUrl, `${server.baseUrl}/apps/${appId}/builds/${build.id}`);
    assert.equal(payload.channelLatestUrl, `${server.baseUrl}/apps/${appId}/channels/beta`);

    const slack = received.find((r) => r.path === "/slack");
    assert.ok(slack);
    const slackBody = JSON.parse(slack.body) as Record<string, string>;
    assert.deepEqual(Object.keys(slackBody), ["text"]);
    assert.match(slackBody.text ?? "", /Hooked\* 2\.0 \(2\)/);
    assert.ok(slackBody.text?.includes(`/apps/${appId}/builds/${build.id}`));
    assert.equal(
      slack.headers["x-ferry-signature"],
      `sha256=${createHmac("sha256", SECRET).update(slack.body).digest("hex")}`,
    );

    // Backoff (WEBHOOK_RETRY_BASE=1s): each retry waits at least its delay, base then 2×base. Lower bounds
    // only: a slow machine makes gaps longer, never shorter. A success ends it.
    const flaky = received.filter((r) => r.path === "/flaky");
    assert.equal(flaky.length, 3);
    assert.ok(flaky.every((r) => r.headers["x-ferry-delivery"] === flaky[0]?.headers["x-ferry-delivery"]));
    const [a, b, c] = flaky.map((r) => r.at) as [number, number, number];
    // Clock granularity: the delay is counted from when the attempt's outcome was recorded, after `at`.
    assert.ok(b - a >= 1000 - 20, `first retry after ${b - a} ms, before its 1 s delay`);
    assert.ok(c - b >= 2000 - 20, `second retry after ${c - b} ms, before its 2 s delay`);

    // Once the log says delivered (the worker's own record, not a fixed wait), it is never claimed again.
    let list = { deliveries: [] } as {
      deliveries: {
        webhookId: string;
        status: string;
        attempts: number;
        lastStatus: number;
        log: { status: number }[];
      }[];
    };
    await waitFor(
      () => list.deliveries.some((d) => d.webhookId === ids.flaky && d.status === "delivered"),
      "the flaky delivery to be recorded as delivered",
      30_000,
      async () => {
        list = (await (await hooks(adminToken)).json()) as typeof list;
      },
    );
    assert.equal(received.filter((r) => r.path === "/flaky").length, 3, "no attempt after the success");
    assert.equal(received.filter((r) => r.path === "/json").length, 1, "each delivery once");

    const logged = list.deliveries.find((d) => d.webhookId === ids.flaky);
    assert.equal(logged?.status, "delivered");
    assert.equal(logged?.attempts, 3);
    assert.deepEqual(
      logged?.log.map((l) => l.status),
      [500, 500, 200],
    );
  });

  test("the admin page lists the webhooks and the delivery log; non-admins are turned away", async () => {
    const page = (cookie: string) =>
      fetch(`${server.baseUrl}/admin/apps/${appId}/webhooks`, { headers: { cookie }, redirect: "manual" });
    const adminCookie = await passwordSession(server.baseUrl, server.admin.email, server.admin.password);
    assert.ok(adminCookie);
    const res = await page(adminCookie);
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.ok(html.includes(`${receiverUrl}/flaky`));
    assert.ok(html.includes("delivered"));
    assert.ok(!html.includes(SECRET), "no secret on the page");
    const uploaderCookie = await passwordSession(server.baseUrl, UPLOADER.email, UPLOADER.password);
    assert.ok(uploaderCookie);
    const refused = await page(uploaderCookie);
    assert.notEqual(refused.status, 200);
  });

  test("send test: a signed ping through the normal path, the answer shown; API and the admin page's button", async () => {
    const before = received.length;
    const send = (token: string, id: string | undefined) => hooks(token, { method: "POST" }, `/${id}/test`);
    assert.equal((await send(uploaderToken, ids.json)).status, 403);
    const res = await send(adminToken, ids.json);
    assert.equal(res.status, 200);
    const result = (await res.json()) as { ok: boolean; status: number | null; error: string | null };
    assert.deepEqual(
      { ok: result.ok, status: result.status, error: result.error },
      { ok: true, status: 200, error: null },
    );
    const ping = received.slice(before).find((r) => r.path === "/json");
    assert.ok(ping, "the receiver got the ping");
    assert.equal(ping.headers["x-ferry-event"], "ping");
    assert.equal(
      ping.headers["x-ferry-signature"],
      `sha256=${createHmac("sha256", SECRET).update(ping.body).digest("hex")}`,
    );
    const payload = JSON.parse(ping.body) as { event: string; app: { id: string } };
    assert.equal(payload.event, "ping");
    assert.equal(payload.app.id, appId);

    // A receiver that is down: the error, not retried.
    const down = await hooks(adminToken, {
      method: "POST",
      body: JSON.stringify({ url: "http://127.0.0.1:9/down", secret: SECRET }),
    });
    const downId = ((await down.json()) as { webhook: { id: string } }).webhook.id;
    const failed = (await (await send(adminToken, downId)).json()) as { ok: boolean; error: string | null };
    assert.equal(failed.ok, false);
    assert.match(failed.error ?? "", /ECONNREFUSED/);
    const [row] = await queryDatabase<{ status: string; attempts: number }>(
      server.databaseUrl,
      "SELECT status, attempts FROM webhook_deliveries WHERE webhook_id = $1 AND event = 'ping'",
      [downId],
    );
    assert.deepEqual(row, { status: "failed", attempts: 1 });

    // The admin page's "Send test" button (its server action) shows the receiver's answer.
    const cookie = await passwordSession(server.baseUrl, server.admin.email, server.admin.password);
    assert.ok(cookie);
    const pagePath = `/admin/apps/${appId}/webhooks`;
    const html = await (await fetch(`${server.baseUrl}${pagePath}`, { headers: { cookie } })).text();
    const testAction = serverActionIds(ROOT).get("lib/webhooks/actions.ts#sendTestWebhookAction");
    assert.ok(testAction);
    const button = parseForms(html).find(
      (f) => f.actionId === testAction.id && f.fields.some(([n, v]) => n === "webhookId" && v === downId),
    );
    assert.ok(button?.actionId, "a Send test form for the webhook");
    const clicked = await invokeAction(server.baseUrl, {
      path: pagePath,
      actionId: button.actionId,
      fields: userFields(button),
      cookie,
    });
    assert.match(clicked.state?.error ?? "", /^Test failed: ECONNREFUSED/);
    await queryDatabase(server.databaseUrl, "DELETE FROM webhooks WHERE id = $1", [downId]);
  });

  test("admins delete a webhook (204, then 404); deleted webhooks get nothing", async () => {
    assert.equal((await hooks(uploaderToken, { method: "DELETE" }, `/${ids.json}`)).status, 403);
    assert.equal((await hooks(adminToken, { method: "DELETE" }, `/${ids.json}`)).status, 204);
    assert.equal((await hooks(adminToken, { method: "DELETE" }, `/${ids.json}`)).status, 404);
    const before = received.length;
    await upload("3");
    await waitFor(() => received.length >= before + 2, "the remaining webhooks");
    // (The send-test ping above reached /json too: only build events count here.)
    assert.equal(received.filter((r) => r.path === "/json" && r.headers["x-ferry-event"] !== "ping").length, 1);
  });

  const REFUSED = [
    "http://0.0.0.0:9/x",
    "http://[::]:9/x",
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "http://0xa9fea9fe/",
    "http://[::ffff:169.254.169.254]/",
    "http://[fd00:ec2::254]/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://metadata/",
    "http://[fe80::1]/",
    "http://10.0.0.5:8080/hook",
    "http://012.0.0.1/",
    "http://172.16.0.1/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",
    "http://[fd00::1]/",
    "http://receiver:secret@127.0.0.1:9/x",
  ];
  const webhookCount = async () =>
    (await queryDatabase<{ n: number }>(server.databaseUrl, "SELECT count(*)::int AS n FROM webhooks"))[0]?.n;

  test("refused addresses are refused by the API (400, saying why) and the admin page; nothing is stored", async () => {
    const before = await webhookCount();
    for (const url of REFUSED) {
      const res = await hooks(adminToken, { method: "POST", body: JSON.stringify({ url, format: "slack" }) });
      assert.equal(res.status, 400, url);
      const { error } = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(error.code, "bad_request", url);
      assert.match(error.message, /may not be sent|user name or password/, url);
    }

    const cookie = await passwordSession(server.baseUrl, server.admin.email, server.admin.password);
    assert.ok(cookie);
    const pagePath = `/admin/apps/${appId}/webhooks`;
    const html = await (await fetch(`${server.baseUrl}${pagePath}`, { headers: { cookie } })).text();
    const form = parseForms(html).find((f) => f.fields.some(([name]) => name === "url"));
    assert.ok(form?.actionId, "the page's add-a-webhook form");
    for (const url of ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.5/", "http://[::]:9/"]) {
      const res = await invokeAction(server.baseUrl, {
        path: pagePath,
        actionId: form.actionId,
        fields: userFields({ ...form, fields: withFields(form.fields, { url, secret: "", format: "json" }) }),
        cookie,
      });
      assert.match(res.state?.error ?? "", /may not be sent/, url);
    }
    // The same form does add an allowed URL (so the refusals above are the policy's, not a broken call).
    const ok = await invokeAction(server.baseUrl, {
      path: pagePath,
      actionId: form.actionId,
      fields: userFields({ ...form, fields: withFields(form.fields, { url: "https://chat.example.com/hook" }) }),
      cookie,
    });
    assert.equal(ok.state?.ok, true, JSON.stringify(ok.state));
    assert.equal(await webhookCount(), (before ?? 0) + 1, "only the allowed one was stored");
    await queryDatabase(server.databaseUrl, "DELETE FROM webhooks WHERE url = 'https://chat.example.com/hook'");
  });

  test("a webhook stored before the policy is refused at delivery: no connection, the reason logged, no answer", async () => {
    // As if saved by an older Ferry: straight into the table.
    await queryDatabase(
      server.databaseUrl,
      "INSERT INTO webhooks (app_id, url, secret, events) VALUES ($1, $2, $3, '{build.created}'), ($1, $4, $3, '{build.created}')",
      [appId, "http://169.254.169.254/latest/meta-data/", SECRET, "http://10.0.0.5:8080/hook"],
    );
    await upload("4");
    const logged = async () => {
      const list = (await (await hooks(adminToken)).json()) as {
        webhooks: { id: string; url: string }[];
        deliveries: { webhookId: string; lastError: string | null; responseSnippet: string | null }[];
      };
      const idOf = (url: string) => list.webhooks.find((w) => w.url === url)?.id;
      return ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.5:8080/hook"].map((url) =>
        list.deliveries.find((d) => d.webhookId === idOf(url) && d.lastError),
      );
    };
    let found: Awaited<ReturnType<typeof logged>> = [];
    await waitFor(
      () => found.every(Boolean) && found.length === 2,
      "the refused deliveries",
      30_000,
      async () => {
        found = await logged();
      },
    );
    const [metadata, internal] = found;
    assert.match(metadata?.lastError ?? "", /^refused: .*cloud metadata service/);
    assert.match(internal?.lastError ?? "", /^refused: .*WEBHOOK_ALLOW_PRIVATE=true/);
    assert.equal(metadata?.responseSnippet, null);
    assert.equal(internal?.responseSnippet, null);
  });

  test("Slack gets the issue's hostile display name as text: no @channel, no disguised link", async () => {
    const hostile = "<!channel> *URGENT* <https://evil.example|Re-verify your login>";
    const build = await upload("1", { bundleId: "com.example.hostile", displayName: hostile });
    const res = await fetch(`${server.baseUrl}/api/v1/apps/${build.appId}/webhooks`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ url: `${receiverUrl}/hostile-slack`, format: "slack" }),
    });
    assert.equal(res.status, 201);
    await upload("2", { bundleId: "com.example.hostile", displayName: hostile });
    await waitFor(() => received.some((r) => r.path === "/hostile-slack"), "the Slack message");
    const text = (JSON.parse(received.find((r) => r.path === "/hostile-slack")?.body ?? "{}") as { text: string }).text;
    assert.ok(text.includes("&lt;!channel&gt; *URGENT* &lt;https://evil.example|Re-verify your login&gt;"), text);
    // Slack's <…> constructs left: Ferry's own two links, nothing from the build.
    const angles = text.match(/<[^<>]*>/g) ?? [];
    assert.equal(angles.length, 2, text);
    assert.ok(
      angles.every((a) => a.startsWith(`<${server.baseUrl}/apps/${build.appId}/`)),
      text,
    );
  });
});
