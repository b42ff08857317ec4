/**
 * Email notifications over real HTTP and real SMTP: people watch an app or a
 * channel (API and the pages' no-JavaScript form), the real server uploads and
 * promotes builds, its worker sends through nodemailer to a real SMTP server
 * started here (smtp-server), and the raw messages are checked: recipients are
 * exactly the watchers who may see the build (a restricted channel's build
 * only reaches its group), a burst becomes one email, no install link or token
 * is in it, notes are rendered safely, and the RFC 8058 one-click unsubscribe
 * works by a plain POST without a session.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { createToken, createUser, type FerryServer, startFerry } from "./helpers/ferry-server";
import { generateIpa } from "./helpers/generate-ipa";
import { passwordSession } from "./helpers/session";
import { type ReceivedMail, startSmtpServer, type TestSmtpServer } from "./helpers/smtp-server";
import { queryDatabase } from "./helpers/test-database";

const BUNDLE = "com.example.notify";
const INSIDER = { email: "insider@example.com", password: "insider-password-1" };
const OUTSIDER = { email: "outsider@example.com", password: "outsider-password-1" };
const BYSTANDER = { email: "bystander@example.com", password: "bystander-password-1" };
const NOTES =
  "**Faster sync**\n\n[click](javascript:alert(1)) <script>alert('x')</script> <img src=x onerror=alert(1)>";
// Generous against a loaded machine, short enough for the test: builds within it share one email.
const WINDOW_SECONDS = 4;

let server: FerryServer;
let smtp: TestSmtpServer;
let tmp: string;
let adminToken: string;
let insiderToken: string;
let outsiderToken: string;
let appId: string;

async function upload(buildNumber: string, channel: string, notes?: string): Promise<{ id: string; appId: string }> {
  const file = path.join(tmp, `${buildNumber}.ipa`);
  await generateIpa(file, {
    bundleId: BUNDLE,
    version: `3.${buildNumber}`,
    buildNumber,
    name: "Notify",
    padBytes: 256,
  });
  const query = new URLSearchParams({ channel, ...(notes ? { notes } : {}) });
  const res = await fetch(`${server.baseUrl}/api/v1/builds?${query}`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/octet-stream" },
    body: new Uint8Array(fs.readFileSync(file)),
  });
  const text = await res.text();
  assert.equal(res.status, 201, text);
  return (JSON.parse(text) as { build: { id: string; appId: string } }).build;
}

async function watch(token: string, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${server.baseUrl}/api/v1/watches`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function waitForMail(count: number, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (smtp.received.length < count && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  assert.ok(
    smtp.received.length >= count,
    `expected ${count} emails, got ${smtp.received.length}: ${JSON.stringify(smtp.received.map((m) => m.to))}`,
  );
}

/** After the batch window and a margin: nothing more arrives. */
async function settle(): Promise<void> {
  await new Promise((r) => setTimeout(r, (WINDOW_SECONDS + 3) * 1000));
}

/** A header as sent (unfolded), from the raw message: mailparser restructures List-* headers. */
function rawHeader(mail: ReceivedMail, name: string): string | null {
  const head = mail.raw.split(/\r?\n\r?\n/)[0]?.replace(/\r?\n[ \t]+/g, " ") ?? "";
  const line = head.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line ? line.slice(name.length + 1).trim() : null;
}

function mailTo(email: string, from = 0): ReceivedMail[] {
  return smtp.received.slice(from).filter((m) => m.to.includes(email));
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-notify-"));
  smtp = await startSmtpServer();
  server = await startFerry({
    env: { SMTP_URL: smtp.url, MAIL_FROM: "Ferry <ferry@example.com>", NOTIFY_BATCH_WINDOW: `${WINDOW_SECONDS}s` },
  });
  adminToken = await createToken(server);
  for (const user of [INSIDER, OUTSIDER, BYSTANDER]) await createUser(server, { ...user, role: "member" });
  insiderToken = await createToken(server, INSIDER.email);
  outsiderToken = await createToken(server, OUTSIDER.email);
  // Everyone sees the app; the "internal" channel only the Insiders group (the insider).
  appId = (await upload("1", "default")).appId;
  await upload("2", "internal");
  await queryDatabase(server.databaseUrl, "UPDATE apps SET visibility = 'everyone' WHERE id = $1", [appId]);
  const [group] = await queryDatabase<{ id: string }>(
    server.databaseUrl,
    "INSERT INTO groups (id, name) VALUES (gen_random_uuid(), 'Insiders') RETURNING id",
  );
  await queryDatabase(
    server.databaseUrl,
    "INSERT INTO group_members (group_id, user_id) SELECT $1, id FROM users WHERE email = $2",
    [group?.id, INSIDER.email],
  );
  await queryDatabase(
    server.databaseUrl,
    "UPDATE channels SET restricted = true WHERE app_id = $1 AND name = 'internal'",
    [appId],
  );
  await queryDatabase(
    server.databaseUrl,
    "INSERT INTO channel_groups (channel_id, group_id) SELECT id, $2 FROM channels WHERE app_id = $1 AND name = 'internal'",
    [appId, group?.id],
  );
});
after(async () => {
  await server?.stop();
  await smtp?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe("email notifications", () => {
  test("watching: the API for the caller only; a restricted channel is not found to outsiders; the page form redirects back", async () => {
    const res = await watch(insiderToken, { appId, watching: true });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { watching: true, appId, channel: null });
    // Twice is the same watch.
    assert.equal((await watch(insiderToken, { appId, watching: true })).status, 200);
    assert.equal((await watch(outsiderToken, { appId, channel: "internal", watching: true })).status, 404);
    assert.equal((await watch(outsiderToken, { appId, channel: "nope", watching: true })).status, 404);
    assert.equal((await watch(outsiderToken, { appId: "not-a-uuid", watching: true })).status, 400);
    assert.equal((await watch(outsiderToken, { appId, watching: "yes" })).status, 400);

    // The outsider uses the app page's form (cookie session, no JavaScript): 303 back to the page.
    const cookie = await passwordSession(server.baseUrl, OUTSIDER.email, OUTSIDER.password);
    assert.ok(cookie);
    const form = new URLSearchParams({ appId, watching: "true" }).toString();
    const formHeaders = { cookie, "content-type": "application/x-www-form-urlencoded" };
    const crossSite = await fetch(`${server.baseUrl}/api/v1/watches`, {
      method: "POST",
      headers: { ...formHeaders, origin: "https://evil.example" },
      body: form,
      redirect: "manual",
    });
    assert.equal(crossSite.status, 403, "a cookie write from another site is refused");
    const posted = await fetch(`${server.baseUrl}/api/v1/watches`, {
      method: "POST",
      headers: { ...formHeaders, origin: server.baseUrl },
      body: form,
      redirect: "manual",
    });
    assert.equal(posted.status, 303);
    assert.equal(posted.headers.get("location"), `${server.baseUrl}/apps/${appId}`);
    const page = await fetch(`${server.baseUrl}/apps/${appId}`, { headers: { cookie } });
    const html = await page.text();
    assert.match(html, /data-testid="unwatch"/, "the app page now offers Unwatch");

    const list = await fetch(`${server.baseUrl}/api/v1/watches`, {
      headers: { authorization: `Bearer ${outsiderToken}` },
    });
    const listed = (await list.json()) as {
      emailEnabled: boolean;
      watches: { appId: string; channel: string | null }[];
    };
    assert.equal(listed.emailEnabled, true);
    assert.deepEqual(
      listed.watches.map((w) => [w.appId, w.channel]),
      [[appId, null]],
    );
  });

  test("a burst becomes one email per person, only to those who may see each build, without install links", async () => {
    const from = smtp.received.length;
    // Insider: both (one email); outsider: only the default channel's build; bystander: watches nothing.
    const internal = await upload("10", "internal", NOTES);
    const published = await upload("11", "default", "Plain notes");
    await waitForMail(from + 2);
    await settle();
    const mails = smtp.received.slice(from);
    assert.equal(mails.length, 2, JSON.stringify(mails.map((m) => m.to)));
    for (const mail of mails) assert.equal(mail.to.length, 1, "one recipient per email");
    assert.deepEqual(mails.map((m) => m.to[0]).sort(), [INSIDER.email, OUTSIDER.email]);

    const [insiderMail] = mailTo(INSIDER.email, from);
    assert.ok(insiderMail);
    assert.equal(insiderMail.from, "ferry@example.com");
    assert.match(insiderMail.parsed.subject ?? "", /^2 new builds/);
    const insiderText = insiderMail.parsed.text ?? "";
    for (const build of [internal, published]) {
      assert.ok(insiderText.includes(`${server.baseUrl}/apps/${appId}/builds/${build.id}`), "a link to the page");
      assert.ok((insiderMail.parsed.html || "").includes(`/apps/${appId}/builds/${build.id}`));
    }
    assert.match(insiderText, /Notify 3\.10 \(10\), channel internal/);
    assert.match(insiderText, /Notify 3\.11 \(11\), channel default/);
    // Notes: Markdown rendered through the pages' renderer; nothing executable survives.
    const html = insiderMail.parsed.html || "";
    assert.match(html, /<strong>Faster sync<\/strong>/);
    assert.ok(!/<script|javascript:|<img/i.test(html), html);
    assert.ok(html.includes("&lt;script&gt;"), "raw HTML in notes is shown as text");

    const [outsiderMail] = mailTo(OUTSIDER.email, from);
    assert.ok(outsiderMail);
    assert.match(outsiderMail.parsed.subject ?? "", /^Notify 3\.11 \(11\) is available$/);
    assert.ok(!outsiderMail.raw.includes(internal.id), "the restricted channel's build is not mentioned");
    assert.ok(!/3\.10|internal|Faster sync/.test(outsiderMail.parsed.text ?? ""));

    for (const mail of mails) {
      // No install link of any kind: no /d/ token URL, no manifest, no itms-services, no Install route.
      assert.ok(!/\/d\/|itms-services|manifest\.plist|app\.ipa|\/install\b/i.test(mail.raw), mail.raw);
      assert.ok(!/ferry_[A-Za-z0-9_-]{20}/.test(mail.raw), "no API token");
      assert.equal(rawHeader(mail, "List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");
      assert.match(
        rawHeader(mail, "List-Unsubscribe") ?? "",
        /^<http:\/\/[^>]+\/api\/v1\/notifications\/unsubscribe\?token=[^>]+>$/,
      );
      assert.equal(rawHeader(mail, "Auto-Submitted"), "auto-generated");
    }
    const queue = await queryDatabase<{ status: string; n: string }>(
      server.databaseUrl,
      "SELECT status, count(*)::text AS n FROM notification_mails GROUP BY status",
    );
    assert.deepEqual(queue, [{ status: "sent", n: "2" }]);
  });

  test("one-click unsubscribe: a POST without a session stops the emails; a forged token is refused", async () => {
    const [mail] = mailTo(INSIDER.email);
    assert.ok(mail);
    const header = rawHeader(mail, "List-Unsubscribe");
    const url = /^<([^>]+)>$/.exec(header ?? "")?.[1];
    if (!url?.startsWith(`${server.baseUrl}/api/v1/notifications/unsubscribe?token=`)) {
      assert.fail(`List-Unsubscribe: ${JSON.stringify(header)}`);
    }

    // The body's link leads to a confirm page that works signed out and changes nothing by itself.
    const bodyLink = /(http:\/\/\S+\/unsubscribe\?token=\S+)/.exec(mail.parsed.text ?? "")?.[1];
    assert.ok(bodyLink);
    const confirm = await fetch(bodyLink);
    assert.equal(confirm.status, 200);
    assert.match(await confirm.text(), /Unsubscribe/);
    assert.equal(
      (
        await queryDatabase(
          server.databaseUrl,
          "SELECT 1 FROM watches w JOIN users u ON u.id = w.user_id WHERE u.email = $1",
          [INSIDER.email],
        )
      ).length,
      1,
      "opening the link does not unsubscribe (mail scanners open links)",
    );

    const forged = `${url.slice(0, -3)}${url.endsWith("AAA") ? "BBB" : "AAA"}`;
    const refused = await fetch(forged, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    assert.equal(refused.status, 404);

    // What a mail client does (RFC 8058): POST from anywhere, no cookie.
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://mail.example.net" },
      body: "List-Unsubscribe=One-Click",
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { removed: 1, all: true });
    // Again: still fine, nothing left.
    const again = await fetch(url, { method: "POST", body: "List-Unsubscribe=One-Click" });
    assert.deepEqual(await again.json(), { removed: 0, all: true });

    const from = smtp.received.length;
    const next = await upload("12", "default");
    await waitForMail(from + 1);
    await settle();
    const mails = smtp.received.slice(from);
    assert.deepEqual(
      mails.map((m) => m.to),
      [[OUTSIDER.email]],
    );
    assert.ok(mails[0]?.raw.includes(next.id));
  });

  test("a promotion tells channel watchers once; a build already told about is not told again", async () => {
    const res = await watch(insiderToken, { appId, channel: "internal", watching: true });
    assert.equal(res.status, 200);
    const from = smtp.received.length;
    // Build 12 (told to the outsider already) moves into "internal": the insider hears of it, the outsider not again.
    const [build] = await queryDatabase<{ id: string }>(
      server.databaseUrl,
      "SELECT id FROM builds WHERE app_id = $1 AND build_number = '12'",
      [appId],
    );
    const promoted = await fetch(`${server.baseUrl}/api/v1/builds/${build?.id}/channels`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ channel: "internal" }),
    });
    assert.equal(promoted.status, 201);
    await waitForMail(from + 1);
    await settle();
    const mails = smtp.received.slice(from);
    assert.deepEqual(
      mails.map((m) => m.to),
      [[INSIDER.email]],
    );
    assert.match(mails[0]?.parsed.text ?? "", /Notify 3\.12 \(12\), channel internal/);
  });
});
