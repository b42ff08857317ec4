/**
 * Admin → Jobs as an admin reads it: a failed job's kind in words with the
 * error it ended with, a sweep's last counts in words, and a webhook delivery
 * waiting for its retry with the receiver's origin only (never its path, where
 * a secret may sit). Rows are written straight into the database so nothing
 * has to fail for real; the worker is off so none of them moves meanwhile.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type FerryServer, startFerry } from "./helpers/ferry-server";
import { passwordSession } from "./helpers/session";
import { queryDatabase } from "./helpers/test-database";

let server: FerryServer;
let cookie = "";

before(
  async () => {
    server = await startFerry({ env: { JOB_WORKER: "false" } });
    cookie = (await passwordSession(server.baseUrl, server.admin.email, server.admin.password)) ?? "";
    assert.ok(cookie, "the admin signs in");
    const sql = (text: string) => queryDatabase(server.databaseUrl, text);
    await sql(`INSERT INTO jobs (id, kind, payload, status, attempts, finished_at, error)
               VALUES (gen_random_uuid(), 'build.resign', '{}', 'failed', 3, now(),
                       '{"code":"signing_profile_expired","message":"The provisioning profile expired on 2026-01-02."}')`);
    await sql(`INSERT INTO jobs (id, kind, payload, status, attempts, finished_at, result)
               VALUES (gen_random_uuid(), 'sweep.history', '{"period":"page-test"}', 'succeeded', 1, now(), '{"auditEvents":3,"jobs":0}')`);
    const [app] = await queryDatabase<{ id: string }>(
      server.databaseUrl,
      "INSERT INTO apps (id, bundle_id, name, updated_at) VALUES (gen_random_uuid(), 'com.example.jobs-page', 'Jobs page', now()) RETURNING id",
    );
    const [hook] = await queryDatabase<{ id: string }>(
      server.databaseUrl,
      `INSERT INTO webhooks (app_id, url, secret, events)
       VALUES ($1, 'https://hooks.example.com/T0/very-secret-path', 'whsec', '{build.created}') RETURNING id`,
      [app?.id],
    );
    await queryDatabase(
      server.databaseUrl,
      `INSERT INTO webhook_deliveries (webhook_id, event, payload, attempts, next_attempt_at, last_error)
       VALUES ($1, 'build.created', '{}', 1, now() + interval '1 hour', 'HTTP 502')`,
      [hook?.id],
    );
  },
  { timeout: 180_000 },
);

after(async () => server?.stop());

test("an admin reads every kind of background work in words, with its error", async () => {
  const res = await fetch(`${server.baseUrl}/admin/jobs`, { headers: { cookie } });
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(html, /Re-sign a build/);
  assert.match(html, /The provisioning profile expired on 2026-01-02\./);
  assert.match(html, /Prune old history/);
  assert.match(html, /audit events 3/, "a sweep's counts in words");
  assert.match(html, /webhook build\.created/);
  assert.match(html, /https:\/\/hooks\.example\.com/);
  assert.match(html, /HTTP 502/);
  assert.doesNotMatch(html, /very-secret-path/, "a receiver's path may hold a secret: only its origin is shown");
});
