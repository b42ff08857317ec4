/**
 * The install hot paths keep their guarantees although resolved links are
 * cached (for INSTALL_LINK_CACHE_MS, 500 ms, unless a revocation empties the
 * cache first) and audit rows are written in batches: a revocation lands
 * within the link cache TTL even while the link is being hammered, and every answered manifest
 * fetch and download has its audit row, after a burst and after a clean stop.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { signInstallToken } from "@/lib/install-links/install-token";
import { INSTALL_LINK_CACHE_MS } from "@/lib/install-links/resolve-install-token";
import { createToken, type FerryServer, startFerry } from "./helpers/ferry-server";
import { makeTestBuild } from "./helpers/test-builds";
import { eventually, queryDatabase } from "./helpers/test-database";

let server: FerryServer;
let buildId: string;

async function sql<T extends Record<string, unknown>>(text: string, params: unknown[] = []) {
  return queryDatabase<T>(server.databaseUrl, text, params);
}

async function uploadBuild(adminToken: string, app: string): Promise<{ id: string; appId: string }> {
  const form = new FormData();
  form.append(
    "file",
    await fs.openAsBlob((await makeTestBuild({ bundleId: `com.example.ferry.${app}` })).path),
    "a.ipa",
  );
  const res = await fetch(`${server.baseUrl}/api/v1/builds`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}` },
    body: form,
  });
  assert.equal(res.status, 201, await res.clone().text());
  return ((await res.json()) as { build: { id: string; appId: string } }).build;
}

/** A fresh user who may install the build, and a link for them minted as the app would. */
async function memberLink(email: string, build = buildId): Promise<{ userId: string; manifestUrl: string }> {
  const created = await server.cli(["user", "create", "--email", email, "--password", "member-password-1"]);
  assert.equal(created.code, 0, created.stderr);
  const userId = created.stdout.trim();
  const token = signInstallToken(
    { buildId: build, userId, userVersion: 0, expiresAt: new Date(Date.now() + 3_600_000) },
    server.authSecret,
  );
  return { userId, manifestUrl: `${server.baseUrl}/d/${token}/manifest.plist` };
}

async function status(url: string, method = "GET"): Promise<number> {
  const res = await fetch(url, { method });
  await res.arrayBuffer();
  return res.status;
}

/**
 * Keeps fetching `url` (so any cache holds it) while `revoke` runs, then
 * returns the statuses of the next requests *started* once the link cache's
 * TTL had passed since the revocation committed. A condition on order, not on
 * speed: on a slow machine every one of them must still be refused.
 */
async function answersAfterCacheTtl(url: string, method: string, revoke: () => Promise<void>): Promise<number[]> {
  let hammering = true;
  const hammer = (async () => {
    for (let i = 0; hammering && i < 2_000; i++) await status(url, method);
  })();
  try {
    // The link is cached (answered at least once) while the hammer runs.
    assert.equal(await status(url, method), 200);
    await revoke();
    const staleUntil = Date.now() + INSTALL_LINK_CACHE_MS;
    const late: number[] = [];
    while (late.length < 5) {
      const startedAt = Date.now();
      const answer = await status(url, method);
      if (startedAt >= staleUntil) late.push(answer);
      else await sleep(20);
    }
    return late;
  } finally {
    hammering = false;
    await hammer;
  }
}

before(
  async () => {
    // As `npm start` runs it: one process, so its exit means the SIGTERM flush is done.
    server = await startFerry({ launcher: "compiled" });
    const adminToken = await createToken(server);
    const build = await uploadBuild(adminToken, "hot");
    buildId = build.id;
    await sql("UPDATE apps SET visibility = 'everyone' WHERE id = $1", [build.appId]);
  },
  { timeout: 120_000 },
);

after(async () => {
  await server?.stop();
});

describe("revocation despite the install-link cache", { timeout: 120_000 }, () => {
  test("disabling a user stops their manifest and .ipa once the link cache TTL has passed, even when done outside Ferry", async () => {
    const { userId, manifestUrl } = await memberLink("hammered.member@example.com");
    const ipaUrl = manifestUrl.replace(/manifest\.plist$/, "app.ipa");
    assert.equal(await status(manifestUrl), 200);
    // What disabling does, straight in the database (another instance, the CLI, an operator's SQL).
    const disable = async () => {
      await sql("UPDATE users SET disabled_at = now(), session_version = session_version + 1 WHERE id = $1", [userId]);
    };
    const late = await answersAfterCacheTtl(manifestUrl, "GET", disable);
    assert.deepEqual(late, [403, 403, 403, 403, 403], "refused once the cache TTL has passed");
    assert.equal(await status(manifestUrl), 403);
    assert.equal(await status(ipaUrl, "HEAD"), 403);
    assert.equal(await status(ipaUrl), 403);
  });

  test("a deleted build's .ipa is refused once the link cache TTL has passed while being fetched", async () => {
    const adminToken = await createToken(server);
    const doomed = await uploadBuild(adminToken, "doomed");
    await sql("UPDATE apps SET visibility = 'everyone' WHERE id = $1", [doomed.appId]);
    const { manifestUrl } = await memberLink("doomed.member@example.com", doomed.id);
    const ipaUrl = manifestUrl.replace(/manifest\.plist$/, "app.ipa");
    assert.equal(await status(ipaUrl, "HEAD"), 200);
    const late = await answersAfterCacheTtl(ipaUrl, "HEAD", async () => {
      await sql("DELETE FROM builds WHERE id = $1", [doomed.id]);
    });
    assert.ok(
      late.every((s) => s === 404),
      `HEAD answers once the cache TTL passed after the delete: ${late}`,
    );
    assert.equal(await status(ipaUrl), 404);
    assert.equal(await status(manifestUrl), 404);
  });
});

describe("audit rows of the hot paths", { timeout: 180_000 }, () => {
  async function countRows(userId: string): Promise<{ manifests: number; downloads: number }> {
    const [row] = await sql<{ manifests: number; downloads: number }>(
      `SELECT count(*) FILTER (WHERE action = 'manifest.fetch')::int AS manifests,
              count(*) FILTER (WHERE action = 'ipa.download')::int AS downloads
       FROM audit_events WHERE actor_id = $1`,
      [userId],
    );
    return row ?? { manifests: 0, downloads: 0 };
  }

  /** Runs `total` requests, `concurrency` at a time; returns how many were answered 200 with their whole body. */
  async function burst(url: string, total: number, concurrency: number): Promise<number> {
    let next = 0;
    let ok = 0;
    const worker = async () => {
      while (next < total) {
        next += 1;
        try {
          const res = await fetch(url);
          await res.arrayBuffer();
          if (res.status === 200) ok += 1;
        } catch {
          // The server stopped mid-request: not answered, so not counted.
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return ok;
  }

  test("a burst of concurrent manifest fetches and downloads leaves one row each", async () => {
    const { userId, manifestUrl } = await memberLink("burst.member@example.com");
    const [manifests, downloads] = await Promise.all([
      burst(manifestUrl, 300, 32),
      burst(manifestUrl.replace(/manifest\.plist$/, "app.ipa"), 60, 8),
    ]);
    assert.equal(manifests, 300);
    assert.equal(downloads, 60);
    // Manifest and download rows are written just behind their answers: all of them within a second or so.
    const rows = await eventually(
      () => countRows(userId),
      (counts) => counts.manifests >= 300 && counts.downloads >= 60,
    );
    assert.deepEqual(rows, { manifests: 300, downloads: 60 });
  });

  test("after a clean stop (SIGTERM) during a burst, every answered fetch has its row", async () => {
    const { userId, manifestUrl } = await memberLink("shutdown.member@example.com");
    const running = burst(manifestUrl, 5_000, 32);
    // Let the burst get going, then stop the server as a supervisor would.
    for (let i = 0; i < 100 && (await countRows(userId)).manifests < 50; i++) await sleep(50);
    // Keep the database for the count: stop the process only (after() drops the database).
    process.kill(server.pid, "SIGTERM");
    const answered = await running;
    for (let i = 0; i < 100; i++) {
      try {
        process.kill(server.pid, 0);
        await sleep(100);
      } catch {
        break;
      }
    }
    assert.ok(answered > 0 && answered < 5_000, `${answered} answered before the stop`);
    const rows = await countRows(userId);
    assert.ok(
      rows.manifests >= answered,
      `${rows.manifests} manifest.fetch rows for ${answered} answered fetches: none lost`,
    );
  });
});
