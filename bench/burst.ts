/**
 * Release morning (issue 21): N distinct signed-in employees arrive over a
 * minute; each opens the app page, fetches the manifest and downloads the build
 * through nginx (the shipped site; DOWNLOAD_OFFLOAD=nginx by default), while an
 * admin pages and searches the audit log and a CI token uploads a build.
 *
 *   npm run build && npm run bench:burst -- [--employees 2000] [--seconds 60] [--size-mb 100]
 *     [--concurrency 256] [--sign-ins 50] [--upload-mb 50] [--hash-every 100] [--offload nginx|none]
 *
 * Employees are rows written by SQL (one scrypt hash shared by all, a group
 * granted the app). Their sessions are minted like the credentials callback
 * mints them (next-auth JWT with the user's id, session version and a fresh
 * session id), not signed in one by one: --sign-ins of them sign in through the
 * real route first and that cost is reported on its own. Each employee, at its
 * arrival time (spread evenly over --seconds, at most --concurrency at once):
 * GET the app page with its cookie, read the itms-services link, GET the
 * manifest without cookies (as iOS does), HEAD and GET the .ipa and discard it
 * (every --hash-every-th download is SHA-256 checked). Reports per kind count,
 * errors, p50/p95/p99, download throughput, the server's peak RSS (process
 * tree), CPU of Ferry, nginx and this client, then checks the install funnel
 * in the database and on the build page: every employee whose download completed
 * counted exactly once. Exits 1 on any error or funnel mismatch.
 */
import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { encode } from "next-auth/jwt";
import { hashPassword } from "@/lib/auth/password";
import { ensureEmbeddedPostgres, type RunningDatabase } from "@/lib/db/embedded-postgres";
import { createToken, type FerryServer, freePort, startFerry } from "../tests/helpers/ferry-server";
import { generateIpa } from "../tests/helpers/generate-ipa";
import { OFFLOAD_REPORT_SECRET, type ShippedNginx, startShippedNginx } from "../tests/helpers/nginx-site";
import { processTreeCpu } from "../tests/helpers/process-cpu";
import { processTreeRss } from "../tests/helpers/process-rss";
import { processTreePids } from "../tests/helpers/process-tree";
import { passwordSession } from "../tests/helpers/session";
import { queryDatabase } from "../tests/helpers/test-database";
import { embeddedProfile } from "../tests/helpers/test-profile";

const MiB = 1024 * 1024;
const RSS_GOAL = 300 * MiB;
const PAGE_P99_GOAL_MS = 1000;
const MANIFEST_P99_GOAL_MS = 300;
const SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;
const PASSWORD = "release-morning-password";
const log = (line: string) => console.log(`# ${line}`);
// Employees open the page in Safari on their iPhone; iOS's install daemon fetches the manifest and the .ipa.
const SAFARI_UA =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
const IOS_DAEMON_UA = "com.apple.appstored/1.0 iOS/18.1 model/iPhone16,2 hwp/t8130 build/22B83 (6; dt:297) AMS/1";

type Kind = "sign-in" | "page" | "manifest" | "head" | "download" | "admin audit" | "admin search" | "ci upload";
type Stats = { count: number; errors: number; latencies: number[]; bytes: number; samples: string[] };
const KINDS: Kind[] = ["sign-in", "page", "manifest", "head", "download", "admin audit", "admin search", "ci upload"];

type Answer = { status: number; headers: http.IncomingHttpHeaders; text: string; bytes: number; sha256?: string };

/** One request on a shared keep-alive agent; the body is collected as text, or counted (and hashed) and dropped. */
function request(
  url: string,
  options: {
    agent: http.Agent;
    method?: string;
    headers?: Record<string, string>;
    keep?: boolean;
    hash?: boolean;
    body?: fs.ReadStream;
  },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { agent: options.agent, method: options.method ?? "GET", headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        const hash = options.hash ? createHash("sha256") : null;
        let bytes = 0;
        res.on("data", (chunk: Buffer) => {
          bytes += chunk.length;
          if (options.keep) chunks.push(chunk);
          hash?.update(chunk);
        });
        res.once("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString("utf8"),
            bytes,
            sha256: hash?.digest("hex"),
          }),
        );
        res.once("error", reject);
      },
    );
    req.once("error", reject);
    if (options.body) options.body.pipe(req);
    else req.end();
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.max(0, Math.ceil((sorted.length * p) / 100) - 1)] ?? 0;
}

/**
 * Seconds a process tree's threads spent runnable but waiting for a core (the second field of
 * /proc/<pid>/task/<tid>/schedstat): how much the machine's other work held it back.
 */
function processTreeRunQueueWait(root: number): number {
  let total = 0;
  for (const pid of processTreePids(root)) {
    try {
      for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
        total += Number(fs.readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[1] ?? 0) / 1e9;
      }
    } catch {
      // The process ended between two reads.
    }
  }
  return total;
}

/** The manifest URL behind the app page's itms-services link. */
function manifestUrlFromPage(html: string): string | null {
  const href = /href="(itms-services:\/\/[^"]+)"/.exec(html)?.[1]?.replaceAll("&amp;", "&");
  if (!href) return null;
  return new URLSearchParams(href.slice(href.indexOf("?") + 1)).get("url");
}

function ipaUrlFromManifest(xml: string): string | null {
  return /<string>(http[^<]+\/app\.ipa)<\/string>/.exec(xml)?.[1]?.replaceAll("&amp;", "&") ?? null;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      employees: { type: "string", default: "2000" },
      seconds: { type: "string", default: "60" },
      "size-mb": { type: "string", default: "100" },
      concurrency: { type: "string", default: "256" },
      "sign-ins": { type: "string", default: "50" },
      "upload-mb": { type: "string", default: "50" },
      "hash-every": { type: "string", default: "100" },
      offload: { type: "string", default: "nginx" },
    },
  });
  const employees = Number(values.employees);
  const seconds = Number(values.seconds);
  const sizeBytes = Number(values["size-mb"]) * MiB;
  const concurrency = Number(values.concurrency);
  const signIns = Math.min(employees, Number(values["sign-ins"]));
  const uploadBytes = Number(values["upload-mb"]) * MiB;
  const hashEvery = Number(values["hash-every"]);
  const offload = values.offload === "nginx";
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-burst-"));
  // nginx's workers reach their temp folders and DATA_DIR through here.
  fs.chmodSync(scratch, 0o711);
  let pgDir: string | null = null;
  let database: RunningDatabase | null = null;
  let server: FerryServer | null = null;
  let nginx: ShippedNginx | null = null;
  const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  try {
    if (!process.env.FERRY_TEST_DATABASE_URL) {
      pgDir = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-burst-pg-"));
      database = await ensureEmbeddedPostgres(pgDir, log);
      process.env.FERRY_TEST_DATABASE_URL = database.url.replace(/\/ferry$/, "/postgres");
    }
    log(`generating a ${values["size-mb"]} MB .ipa and a ${values["upload-mb"]} MB one for CI`);
    const app = { bundleId: "com.example.release", name: "Release", version: "3.0", buildNumber: "1" };
    const ipaFile = path.join(scratch, "release.ipa");
    const ipa = await generateIpa(ipaFile, {
      ...app,
      padBytes: sizeBytes,
      extraFiles: [embeddedProfile(app.name, app.bundleId)],
    });
    const ci = { bundleId: "com.example.other-team", name: "OtherTeam", version: "1.0", buildNumber: "7" };
    const ciFile = path.join(scratch, "ci.ipa");
    await generateIpa(ciFile, { ...ci, padBytes: uploadBytes, extraFiles: [embeddedProfile(ci.name, ci.bundleId)] });

    const nginxPort = await freePort();
    const front = `http://127.0.0.1:${nginxPort}`;
    log(`starting Ferry (compiled launcher, DOWNLOAD_OFFLOAD=${offload ? "nginx" : "off"}) behind nginx`);
    server = await startFerry({
      dataDir: path.join(scratch, "data"),
      launcher: "compiled",
      env: {
        PUBLIC_URL: front,
        TRUST_PROXY: "true",
        ...(offload
          ? {
              DOWNLOAD_OFFLOAD: "nginx",
              DOWNLOAD_OFFLOAD_PREFIX: "/_ferry_files/",
              DOWNLOAD_OFFLOAD_SECRET: OFFLOAD_REPORT_SECRET,
            }
          : {}),
      },
    });
    const srv = server;
    fs.mkdirSync(path.join(scratch, "nginx"));
    // What a packaged nginx runs: a worker per core; connections for every client plus its upstream.
    nginx = await startShippedNginx({
      scratch: path.join(scratch, "nginx"),
      port: nginxPort,
      ferryPort: Number(new URL(srv.baseUrl).port),
      dataDir: srv.dataDir,
      worker: { user: "root", group: "root" },
      workerProcesses: "auto",
      workerConnections: 8192,
    });
    const token = await createToken(srv);
    const upload = async (file: string) => {
      const res = await request(`${front}/api/v1/builds`, {
        agent,
        method: "POST",
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/octet-stream",
          "content-length": String(fs.statSync(file).size),
        },
        keep: true,
        body: fs.createReadStream(file),
      });
      if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${res.text.slice(0, 300)}`);
      return (JSON.parse(res.text) as { build: { id: string; appId: string } }).build;
    };
    const build = await upload(ipaFile);

    log(`creating ${employees} employees in one group granted the app (SQL)`);
    let started = performance.now();
    const hash = await hashPassword(PASSWORD);
    await queryDatabase(
      srv.databaseUrl,
      `WITH g AS (INSERT INTO groups (id, name) VALUES (gen_random_uuid(), 'Release morning') RETURNING id),
       granted AS (INSERT INTO app_groups (app_id, group_id) SELECT $3::uuid, id FROM g),
       u AS (INSERT INTO users (id, email, name, password_hash, role, updated_at)
             SELECT gen_random_uuid(), 'employee' || n || '@burst.example', 'Employee ' || n, $2, 'member', now()
             FROM generate_series(1, $1::int) AS n RETURNING id)
       INSERT INTO group_members (group_id, user_id) SELECT g.id, u.id FROM g, u`,
      [employees, hash, build.appId],
    );
    const people = await queryDatabase<{ id: string; email: string; session_version: number }>(
      srv.databaseUrl,
      `SELECT id, email, session_version FROM users WHERE email LIKE 'employee%@burst.example'
       ORDER BY substring(email from '^employee(d+)@')::int`,
    );
    log(`${people.length} employees in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    const stats = Object.fromEntries(
      KINDS.map((k): [Kind, Stats] => [k, { count: 0, errors: 0, latencies: [], bytes: 0, samples: [] }]),
    ) as Record<Kind, Stats>;
    const fail = (kind: Kind, message: string) => {
      stats[kind].errors += 1;
      if (stats[kind].samples.length < 5) stats[kind].samples.push(message);
    };
    /** The error counted for `kind`; the step's result is then null. */
    const failed = (kind: Kind) => (e: unknown) => {
      fail(kind, String(e));
      return null;
    };
    const timed = async <T>(kind: Kind, run: () => Promise<T>): Promise<T> => {
      const t = performance.now();
      try {
        return await run();
      } finally {
        stats[kind].count += 1;
        stats[kind].latencies.push(performance.now() - t);
      }
    };

    // Sign-in through the real route (CSRF + credentials callback, scrypt), a few at a time as people do.
    log(`${signIns} real sign-ins through nginx, 4 at a time`);
    const cookies = new Array<string>(people.length);
    started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let i = next++; i < signIns; i = next++) {
          const person = people[i];
          if (!person) break;
          const cookie = await timed("sign-in", () => passwordSession(front, person.email, PASSWORD)).catch(
            failed("sign-in"),
          );
          if (cookie) cookies[i] = cookie;
          else fail("sign-in", `${person.email} was refused`);
        }
      }),
    );
    const signInSeconds = (performance.now() - started) / 1000;
    // The others: the session cookie the credentials callback would have issued them.
    for (const [i, person] of people.entries()) {
      cookies[i] ??= `next-auth.session-token=${await encode({
        token: { sub: person.id, email: person.email, sv: person.session_version, sid: randomUUID() },
        secret: srv.authSecret,
        maxAge: SESSION_MAX_AGE_SECONDS,
      })}`;
    }
    const adminCookie = await passwordSession(front, srv.admin.email, srv.admin.password);
    if (!adminCookie) throw new Error("the admin could not sign in");

    // A server that has been up for a while: the admin's own page, manifest and HEAD run the code once (no download).
    for (let i = 0; i < 3; i++) {
      const page = await request(`${front}/apps/${build.appId}`, {
        agent,
        headers: { cookie: adminCookie, "user-agent": SAFARI_UA },
        keep: true,
      });
      const manifestUrl = manifestUrlFromPage(page.text);
      const manifest = manifestUrl ? await request(manifestUrl, { agent, keep: true }) : null;
      const ipaUrl = manifest ? ipaUrlFromManifest(manifest.text) : null;
      if (!ipaUrl) throw new Error(`warm-up: the admin's app page (${page.status}) offered no install link`);
      await request(ipaUrl, { agent, method: "HEAD" });
      await request(`${front}/admin/audit`, { agent, headers: { cookie: adminCookie }, keep: true });
    }

    // One employee at a time (others than the burst's, so its funnel stays theirs): what a page view, a manifest
    // and a HEAD cost when nothing else runs in Ferry, in latency and in Ferry's CPU.
    const SOLO = 20;
    const solo = await queryDatabase<{ id: string; email: string }>(
      srv.databaseUrl,
      `WITH u AS (INSERT INTO users (id, email, password_hash, role, updated_at)
                  SELECT gen_random_uuid(), 'solo' || n || '@burst.example', $2, 'member', now()
                  FROM generate_series(1, $1::int) AS n RETURNING id, email),
            m AS (INSERT INTO group_members (group_id, user_id)
                  SELECT g.id, u.id FROM groups g, u WHERE g.name = 'Release morning')
       SELECT id::text, email FROM u`,
      [SOLO, hash],
    );
    const soloTimes = { page: [] as number[], manifest: [] as number[] };
    // Statements committed (Prisma's reads are one autocommit transaction each; pg_stat_database lags by up to 0.5 s).
    const dbName = new URL(srv.databaseUrl).pathname.slice(1);
    const dbStats = () =>
      queryDatabase<{ xacts: string }>(
        srv.databaseUrl,
        "SELECT (xact_commit + xact_rollback)::text AS xacts FROM pg_stat_database WHERE datname = $1",
        [dbName],
      ).then((r) => Number(r[0]?.xacts ?? 0));
    await new Promise((r) => setTimeout(r, 1000));
    const soloXacts0 = await dbStats();
    const soloCpu0 = processTreeCpu(srv.pid);
    for (const person of solo) {
      const cookie = `next-auth.session-token=${await encode({
        token: { sub: person.id, email: person.email, sv: 0, sid: randomUUID() },
        secret: srv.authSecret,
        maxAge: SESSION_MAX_AGE_SECONDS,
      })}`;
      let t = performance.now();
      const page = await request(`${front}/apps/${build.appId}`, {
        agent,
        headers: { cookie, "user-agent": SAFARI_UA },
        keep: true,
      });
      soloTimes.page.push(performance.now() - t);
      const manifestUrl = manifestUrlFromPage(page.text);
      if (!manifestUrl) throw new Error(`${person.email}: the app page (${page.status}) offered no install link`);
      t = performance.now();
      const manifest = await request(manifestUrl, { agent, headers: { "user-agent": IOS_DAEMON_UA }, keep: true });
      soloTimes.manifest.push(performance.now() - t);
      const ipaUrl = ipaUrlFromManifest(manifest.text);
      if (ipaUrl) await request(ipaUrl, { agent, method: "HEAD", headers: { "user-agent": IOS_DAEMON_UA } });
    }
    const soloCpuMs = ((processTreeCpu(srv.pid) - soloCpu0) * 1000) / SOLO;
    await new Promise((r) => setTimeout(r, 1000));
    const soloXacts = ((await dbStats()) - soloXacts0 - 1) / SOLO;
    const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
    log(
      `one at a time (${SOLO} employees): page p50 ${percentile(sorted(soloTimes.page), 50).toFixed(0)} ms, ` +
        `manifest p50 ${percentile(sorted(soloTimes.manifest), 50).toFixed(0)} ms; ` +
        `Ferry CPU ${soloCpuMs.toFixed(0)} ms and ${soloXacts.toFixed(1)} database transactions per employee (page, manifest, HEAD): ` +
        `${employees} in ${seconds} s need ${((soloCpuMs * employees) / seconds / 1000).toFixed(2)} cores of Ferry alone`,
    );

    let downloadsRunning = 0;
    let peakDownloads = 0;
    const queueWaits: number[] = [];
    const completed = new Set<string>();
    const employee = async (i: number) => {
      const cookie = cookies[i] ?? "";
      const email = people[i]?.email ?? "";
      const page = await timed("page", () =>
        request(`${front}/apps/${build.appId}`, { agent, headers: { cookie, "user-agent": SAFARI_UA }, keep: true }),
      ).catch(failed("page"));
      if (!page) return;
      const manifestUrl = page.status === 200 ? manifestUrlFromPage(page.text) : null;
      if (!manifestUrl) return fail("page", `${email}: ${page.status}, no install link`);
      // iOS: no cookies from here on.
      const manifest = await timed("manifest", () =>
        request(manifestUrl, { agent, headers: { "user-agent": IOS_DAEMON_UA }, keep: true }),
      ).catch(failed("manifest"));
      if (!manifest) return;
      const ipaUrl = manifest.status === 200 ? ipaUrlFromManifest(manifest.text) : null;
      if (!ipaUrl) return fail("manifest", `${email}: ${manifest.status}, no software-package`);
      const head = await timed("head", () =>
        request(ipaUrl, { agent, method: "HEAD", headers: { "user-agent": IOS_DAEMON_UA } }),
      ).catch(failed("head"));
      if (!head) return;
      if (head.status !== 200 || Number(head.headers["content-length"]) !== ipa.size) {
        return fail("head", `${email}: ${head.status}, length ${head.headers["content-length"]}`);
      }
      const check = hashEvery > 0 && i % hashEvery === 0;
      downloadsRunning += 1;
      peakDownloads = Math.max(peakDownloads, downloadsRunning);
      try {
        const got = await timed("download", () =>
          request(ipaUrl, { agent, headers: { "user-agent": IOS_DAEMON_UA }, hash: check }),
        ).catch(failed("download"));
        if (!got) return;
        stats.download.bytes += got.bytes;
        if (got.status !== 200 || got.bytes !== ipa.size) {
          return fail("download", `${email}: ${got.status}, ${got.bytes} bytes`);
        }
        if (check && got.sha256 !== ipa.sha256) return fail("download", `${email}: SHA-256 mismatch`);
        completed.add(email);
      } finally {
        downloadsRunning -= 1;
      }
    };

    // The admin browses: the newest audit page, four older ones, then searches; a second between clicks.
    let burstOver = false;
    const admin = async () => {
      const searches = ["employee1@burst.example", "ipa.download_complete", "Release", "127.0.0.1"];
      for (let round = 0; round < 10_000 && !burstOver; round++) {
        let url = `${front}/admin/audit`;
        for (let p = 0; p < 5 && !burstOver; p++) {
          const res = await timed("admin audit", () =>
            request(url, { agent, headers: { cookie: adminCookie }, keep: true }),
          ).catch(failed("admin audit"));
          if (res && res.status !== 200) fail("admin audit", `${res.status}`);
          const older = /href="([^"]+)"[^>]*data-testid="audit-older"/.exec(res?.text ?? "")?.[1];
          if (!older) break;
          url = `${front}${older.replaceAll("&amp;", "&")}`;
          await new Promise((r) => setTimeout(r, 1000));
        }
        const q = searches[round % searches.length] ?? "";
        const res = await timed("admin search", () =>
          request(`${front}/admin/audit?q=${encodeURIComponent(q)}`, {
            agent,
            headers: { cookie: adminCookie },
            keep: true,
          }),
        ).catch(failed("admin search"));
        if (res && res.status !== 200) fail("admin search", `${res.status}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    };
    const ciUpload = async () => {
      // A third into the morning, another team's pipeline ships a build.
      await new Promise((r) => setTimeout(r, (seconds * 1000) / 3));
      await timed("ci upload", () => upload(ciFile)).then(
        () => {
          stats["ci upload"].bytes += uploadBytes;
        },
        (e: unknown) => fail("ci upload", String(e)),
      );
    };

    log(
      `burst: ${employees} employees over ${seconds} s (≤ ${concurrency} at once), ${(sizeBytes / MiB).toFixed(0)} MiB each, admin browsing, one CI upload`,
    );
    const ferryCpu0 = processTreeCpu(srv.pid);
    const ferryWait0 = processTreeRunQueueWait(srv.pid);
    const nginxCpu0 = processTreeCpu(nginx.process.pid ?? 0);
    const clientCpu0 = process.cpuUsage();
    const baseRss = processTreeRss(srv.pid);
    let peakRss = baseRss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, processTreeRss(srv.pid));
    }, 100);
    // PostgreSQL's side: its backends serving this database (their CPU, from /proc), how many were busy.
    const xacts0 = await dbStats();
    const backendCpu = new Map<number, { first: number; last: number }>();
    let peakBusy = 0;
    let sampling = false;
    const dbSampler = setInterval(() => {
      if (sampling) return;
      sampling = true;
      queryDatabase<{ pid: number; state: string | null }>(
        srv.databaseUrl,
        "SELECT pid, state FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
        [dbName],
      )
        .then((rows) => {
          peakBusy = Math.max(peakBusy, rows.filter((r) => r.state !== "idle").length);
          for (const { pid } of rows) {
            const cpu = processTreeCpu(pid);
            const seen = backendCpu.get(pid);
            backendCpu.set(pid, { first: seen?.first ?? cpu, last: cpu });
          }
        })
        .catch(() => {})
        .finally(() => {
          sampling = false;
        });
    }, 500);
    const t0 = performance.now();
    let active = 0;
    const waiting: (() => void)[] = [];
    const arrivals = Array.from({ length: people.length }, async (_, i) => {
      const arrival = (i * seconds * 1000) / people.length;
      await new Promise((r) => setTimeout(r, arrival));
      const queued = performance.now();
      if (active >= concurrency) await new Promise<void>((r) => waiting.push(r));
      queueWaits.push(performance.now() - queued);
      active += 1;
      try {
        await employee(i);
      } finally {
        active -= 1;
        waiting.shift()?.();
      }
    });
    const side = [admin(), ciUpload()];
    await Promise.all(arrivals);
    const burstSeconds = (performance.now() - t0) / 1000;
    burstOver = true;
    await Promise.all(side);
    clearInterval(sampler);
    clearInterval(dbSampler);
    const xacts = (await dbStats()) - xacts0;
    const pgCpu = [...backendCpu.values()].reduce((sum, b) => sum + b.last - b.first, 0);
    peakRss = Math.max(peakRss, processTreeRss(srv.pid));
    const ferryCpu = processTreeCpu(srv.pid) - ferryCpu0;
    // Threads that exited during the run take their counts along: a floor.
    const ferryWait = processTreeRunQueueWait(srv.pid) - ferryWait0;
    const nginxCpu = processTreeCpu(nginx.process.pid ?? 0) - nginxCpu0;
    const clientUsage = process.cpuUsage(clientCpu0);
    const clientCpu = (clientUsage.user + clientUsage.system) / 1e6;
    const wall = (performance.now() - t0) / 1000;

    console.log(`\n| kind | count | errors | p50 ms | p95 ms | p99 ms | max ms |`);
    console.log(`|---|---|---|---|---|---|---|`);
    const p99: Partial<Record<Kind, number>> = {};
    let errors = 0;
    for (const kind of KINDS) {
      const s = stats[kind];
      const sorted = [...s.latencies].sort((a, b) => a - b);
      errors += s.errors;
      p99[kind] = percentile(sorted, 99);
      console.log(
        `| ${kind} | ${s.count} | ${s.errors} | ${percentile(sorted, 50).toFixed(0)} | ${percentile(sorted, 95).toFixed(0)} | ${percentile(sorted, 99).toFixed(0)} | ${(sorted.at(-1) ?? 0).toFixed(0)} |`,
      );
    }
    const waits = [...queueWaits].sort((a, b) => a - b);
    const downloadTimes = stats.download.latencies;
    const perClient = downloadTimes.map((ms) => ipa.size / MiB / (ms / 1000)).sort((a, b) => a - b);
    console.log(
      `\nburst ${burstSeconds.toFixed(1)} s for arrivals over ${seconds} s; ${completed.size}/${people.length} downloads completed; ` +
        `${(stats.download.bytes / 1e9).toFixed(1)} GB moved, ${(stats.download.bytes / MiB / burstSeconds).toFixed(0)} MiB/s aggregate; ` +
        `per download p50 ${percentile(perClient, 50).toFixed(0)} MiB/s (slowest ${(perClient[0] ?? 0).toFixed(0)}); ` +
        `peak ${peakDownloads} downloads at once; wait for a slot (--concurrency) p50 ${percentile(waits, 50).toFixed(0)} ms, p99 ${percentile(waits, 99).toFixed(0)} ms`,
    );
    console.log(
      `CPU over ${wall.toFixed(1)} s (${os.cpus().length} cores): Ferry ${ferryCpu.toFixed(1)} s (${((ferryCpu / wall) * 100).toFixed(0)}%), ` +
        `waiting for a core ${ferryWait.toFixed(1)} s; nginx ${nginxCpu.toFixed(1)} s (${((nginxCpu / wall) * 100).toFixed(0)}%), this client ${clientCpu.toFixed(1)} s (${((clientCpu / wall) * 100).toFixed(0)}%); ` +
        `load average ${os
          .loadavg()
          .map((l) => l.toFixed(1))
          .join(" ")}`,
    );
    console.log(
      `PostgreSQL for this database: backends' CPU ${pgCpu.toFixed(1)} s (${((pgCpu / wall) * 100).toFixed(0)}%, sampled every 0.5 s), ` +
        `at most ${peakBusy} busy at once (sampled), ${xacts} transactions`,
    );
    console.log(
      `server RSS (process tree): start ${(baseRss / MiB).toFixed(0)} MiB, peak ${(peakRss / MiB).toFixed(0)} MiB`,
    );
    if (signIns > 0) {
      const rate = (stats["sign-in"].count - stats["sign-in"].errors) / signInSeconds;
      console.log(
        `sign-in (real route, 4 at a time): ${rate.toFixed(1)}/s, so ${people.length} would take ${(people.length / Math.max(rate, 0.001)).toFixed(0)} s on their own`,
      );
    }
    for (const kind of KINDS) for (const sample of stats[kind].samples) console.log(`  ${kind} error: ${sample}`);
    if (errors > 0) {
      // What the server said about them (first of each kind of line).
      const said = new Set(
        srv
          .output()
          .split("\n")
          .filter((line) => /error|unreachable|timeout/i.test(line))
          .map((line) => line.slice(0, 300)),
      );
      for (const line of [...said].slice(0, 12)) console.log(`  server: ${line}`);
    }

    // The funnel: the rows are written just behind the answers (≤ 100 ms); wait until they stop changing.
    type Row = { email: string; views: number; manifests: number; downloads: number; completed: number };
    const readFunnel = () =>
      queryDatabase<Row>(
        srv.databaseUrl,
        `SELECT actor_email AS email,
                count(*) FILTER (WHERE action = 'install_page.view')::int AS views,
                count(*) FILTER (WHERE action = 'manifest.fetch')::int AS manifests,
                count(*) FILTER (WHERE action = 'ipa.download')::int AS downloads,
                count(*) FILTER (WHERE action = 'ipa.download_complete')::int AS completed
         FROM audit_events WHERE build_id = $1 AND actor_email LIKE 'employee%@burst.example'
         GROUP BY actor_email`,
        [build.id],
      );
    let rows = await readFunnel();
    for (let i = 0, last = ""; i < 60; i++) {
      const key = JSON.stringify(rows.flatMap((r) => [r.views, r.manifests, r.downloads, r.completed]));
      if (key === last) break;
      last = key;
      await new Promise((r) => setTimeout(r, 1000));
      rows = await readFunnel();
    }
    const byEmail = new Map(rows.map((r) => [r.email, r]));
    const problems: string[] = [];
    for (const email of completed) {
      const r = byEmail.get(email);
      if (r?.views !== 1 || r.manifests !== 1 || r.downloads !== 1 || r.completed !== 1) {
        problems.push(`${email}: ${r ? `${r.views}/${r.manifests}/${r.downloads}/${r.completed}` : "no rows"}`);
      }
    }
    const buildPage = await request(`${front}/apps/${build.appId}/builds/${build.id}`, {
      agent,
      headers: { cookie: adminCookie },
      keep: true,
    });
    const onPage = (step: string) =>
      Number(new RegExp(`data-testid="funnel-${step}"[^>]*>(\\d+)<`).exec(buildPage.text)?.[1] ?? Number.NaN);
    const totals = rows.reduce(
      (t, r) => ({
        views: t.views + r.views,
        manifests: t.manifests + r.manifests,
        downloads: t.downloads + r.downloads,
        completed: t.completed + r.completed,
      }),
      { views: 0, manifests: 0, downloads: 0, completed: 0 },
    );
    console.log(
      `\nfunnel (employees, audit rows): views ${totals.views}, manifests ${totals.manifests}, downloads ${totals.downloads}, completed ${totals.completed}; ` +
        `build page (everyone, admin's views too): views ${onPage("views")}, manifests ${onPage("manifests")}, downloads ${onPage("downloads")}, completed ${onPage("completed")}`,
    );
    if (onPage("completed") !== completed.size) {
      problems.push(`the build page counts ${onPage("completed")} completed downloads, ${completed.size} completed`);
    }
    console.log(
      problems.length === 0
        ? `funnel: each of the ${completed.size} completed downloads counted exactly once (view, manifest, download, completion)`
        : `funnel mismatch for ${problems.length} (views/manifests/downloads/completed): ${problems.slice(0, 5).join("; ")}`,
    );

    const goals = [
      ["errors", errors === 0, `${errors}`],
      ["page p99 ≤ 1 s", (p99.page ?? 0) <= PAGE_P99_GOAL_MS, `${(p99.page ?? 0).toFixed(0)} ms`],
      ["manifest p99 ≤ 300 ms", (p99.manifest ?? 0) <= MANIFEST_P99_GOAL_MS, `${(p99.manifest ?? 0).toFixed(0)} ms`],
      ["every completed download counted once", problems.length === 0, `${problems.length} mismatches`],
      ["server RSS ≤ 300 MiB", peakRss <= RSS_GOAL, `${(peakRss / MiB).toFixed(0)} MiB`],
      [`all within ${seconds} s`, burstSeconds <= seconds * 1.05, `${burstSeconds.toFixed(1)} s`],
    ] as const;
    console.log("\n| goal | met | measured |\n|---|---|---|");
    for (const [goal, met, measured] of goals) console.log(`| ${goal} | ${met ? "yes" : "**no**"} | ${measured} |`);
    return errors > 0 || problems.length > 0 ? 1 : 0;
  } finally {
    agent.destroy();
    await nginx?.stop().catch(() => {});
    await server?.stop().catch(() => {});
    await database?.stop().catch(() => {});
    fs.rmSync(scratch, { recursive: true, force: true });
    if (pgDir) fs.rmSync(pgDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
