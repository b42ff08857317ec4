/**
 * Issue 8: the server (as `npm start` runs it) stays within 300 MiB of resident
 * memory while 100 clients download an .ipa at once, after bursts of manifest
 * fetches and downloads have exercised its heap; and the downloads themselves
 * add only a bounded amount (two reused buffers each, lib/download/direct-send.ts),
 * not a queue of chunks per download as Next.js' web-stream pipe held.
 * Issue 20: the same bound while clients send 300 MB bodies to the sign-in
 * endpoint (unauthenticated) and to the JSON routes: each is refused with 413
 * after the route's small limit, never buffered.
 * Memory is not noisy the way time is: absolute bounds, no ratios.
 */
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { promisify } from "node:util";
import { chunkBytesFor } from "@/lib/download/direct-send";
import { signInstallToken } from "@/lib/install-links/install-token";
import { createToken, type FerryServer, startFerry } from "./helpers/ferry-server";
import { generateIpa } from "./helpers/generate-ipa";
import { hostileTargets, sendHostileBody } from "./helpers/hostile-bodies";
import { processTreeRss } from "./helpers/process-rss";
import { queryDatabase } from "./helpers/test-database";

const MiB = 1024 * 1024;
const RSS_LIMIT = 300 * MiB;
// 100 downloads × 2 buffers (each sized by how many ran when it started), plus sockets and request state.
const DOWNLOADS_GROWTH_LIMIT =
  Array.from({ length: 100 }, (_, i) => 2 * chunkBytesFor(i + 1)).reduce((a, b) => a + b) + 32 * MiB;

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-memory-"));
let server: FerryServer | undefined;

after(async () => {
  await server?.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** wrk's summary; fails on any error response. A generous timeout: the machine running the tests may be slow. */
async function wrk(url: string, connections: number, seconds: number): Promise<string> {
  const { stdout } = await promisify(execFile)(
    "wrk",
    ["-t", String(Math.min(2, connections)), "-c", String(connections), "-d", `${seconds}s`, "--timeout", "60s", url],
    { encoding: "utf8", timeout: (seconds + 30) * 1000 },
  );
  assert.doesNotMatch(stdout, /Non-2xx/, stdout);
  return stdout;
}

test("100 concurrent downloads: server RSS ≤ 300 MiB, downloads add a bounded amount", {
  // CI installs wrk (.ci/run); a developer machine without it skips, CI never does.
  skip: spawnSync("wrk", ["-v"]).error && !process.env.CI ? "wrk is not installed" : false,
}, async (t) => {
  const ipa = path.join(scratch, "big.ipa");
  await generateIpa(ipa, {
    bundleId: "com.example.memory",
    version: "1.0",
    buildNumber: "1",
    name: "Memory",
    padBytes: 64 * MiB,
  });
  server = await startFerry({ launcher: "compiled", dataDir: path.join(scratch, "data") });
  const apiToken = await createToken(server);
  const form = new FormData();
  form.append("file", await fs.openAsBlob(ipa), "big.ipa");
  const res = await fetch(`${server.baseUrl}/api/v1/builds`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiToken}` },
    body: form,
  });
  assert.equal(res.status, 201, await res.clone().text());
  const { build } = (await res.json()) as { build: { id: string } };
  const [admin] = await queryDatabase<{ id: string; session_version: number }>(
    server.databaseUrl,
    "SELECT id, session_version FROM users WHERE email = $1",
    [server.admin.email],
  );
  assert.ok(admin);
  const token = signInstallToken(
    {
      buildId: build.id,
      userId: admin.id,
      userVersion: admin.session_version,
      expiresAt: new Date(Date.now() + 3.6e6),
    },
    server.authSecret,
  );
  const ipaUrl = `${server.baseUrl}/d/${token}/app.ipa`;

  // What grew the heap in the benchmark before: bursts of manifest fetches, then downloads.
  // (Without the launcher's heap flags this alone took the idle server from ~200 to ~290 MiB.)
  await wrk(`${server.baseUrl}/d/${token}/manifest.plist`, 64, 6);
  await wrk(ipaUrl, 32, 3);

  const pid = server.pid;
  const idle = processTreeRss(pid);
  let peak = idle;
  const sampler = setInterval(() => {
    peak = Math.max(peak, processTreeRss(pid));
  }, 25);
  let summary: string;
  try {
    summary = await wrk(ipaUrl, 100, 6);
  } finally {
    clearInterval(sampler);
  }
  const mib = (bytes: number) => `${(bytes / MiB).toFixed(0)} MiB`;
  const report = `idle ${mib(idle)}, peak ${mib(peak)} during 100 concurrent downloads\n${summary}`;
  t.diagnostic(`idle ${mib(idle)}, peak ${mib(peak)}`);
  assert.match(summary, /Transfer\/sec:\s+[\d.]+[MG]B/, `the downloads moved data: ${report}`);
  assert.ok(peak <= RSS_LIMIT, `server RSS ≤ 300 MiB: ${report}`);
  assert.ok(peak - idle <= DOWNLOADS_GROWTH_LIMIT, `downloads add ≤ ${mib(DOWNLOADS_GROWTH_LIMIT)}: ${report}`);
});

test("300 MB bodies to /api/auth/* and the JSON routes: all refused with 413, server RSS ≤ 300 MiB", async (t) => {
  const srv = server ?? (await startFerry({ launcher: "compiled", dataDir: path.join(scratch, "data-hostile") }));
  server = srv;
  const apiToken = await createToken(srv);
  const ipa = path.join(scratch, "small.ipa");
  await generateIpa(ipa, {
    bundleId: "com.example.hostile",
    version: "1.0",
    buildNumber: "1",
    name: "Hostile",
    padBytes: 0,
  });
  const res = await fetch(`${srv.baseUrl}/api/v1/builds`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiToken}`, "content-type": "application/octet-stream" },
    body: fs.readFileSync(ipa),
  });
  assert.ok(res.status === 201 || res.status === 200, await res.clone().text());
  const { build } = (await res.json()) as { build: { id: string; appId: string } };
  const targets = hostileTargets({ adminToken: apiToken, buildId: build.id, appId: build.appId });
  const port = Number(new URL(srv.baseUrl).port);

  const pid = srv.pid;
  const idle = processTreeRss(pid);
  let peak = idle;
  const sampler = setInterval(() => {
    peak = Math.max(peak, processTreeRss(pid));
  }, 25);
  const statuses: Record<string, number> = {};
  try {
    // Three rounds of every target at once, chunked and declared: 30 bodies of 300 MB.
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all(
        targets.flatMap((target) =>
          [false, true].map(async (declared) => {
            const answer = await sendHostileBody(port, target, declared);
            return `${target.name}${declared ? " (declared)" : ""}: ${answer.status}`;
          }),
        ),
      );
      for (const answer of answers) statuses[answer] = (statuses[answer] ?? 0) + 1;
    }
  } finally {
    clearInterval(sampler);
  }
  const mib = (bytes: number) => `${(bytes / MiB).toFixed(0)} MiB`;
  t.diagnostic(`idle ${mib(idle)}, peak ${mib(peak)} during 30 hostile bodies`);
  for (const answer of Object.keys(statuses)) assert.match(answer, /: 413$/, JSON.stringify(statuses));
  assert.ok(peak <= RSS_LIMIT, `server RSS ≤ 300 MiB: idle ${mib(idle)}, peak ${mib(peak)}`);
});
