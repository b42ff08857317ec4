/**
 * Every page an employee or admin opens, on the seeded company database
 * (`npm run seed:scale`), with concurrent clients against one Ferry process
 * started as `npm start` runs it (issue 21: p95 ≤ 200 ms at 8 clients).
 *
 *   npm run build
 *   npm run bench:pages -- [--database ferry_scale | --database-url URL] [--clients 8] [--requests 40]
 *                          [--only TEXT] [--exclude TEXT,TEXT]
 *
 * Signs in as the seeded admin (admin@example.com / scale-admin-password) and
 * as a member who sees the app with the most builds (given a password here),
 * mints an API token for each, then requests every page `--requests` times in
 * a shuffled order from `--clients` concurrent clients, after one warm-up
 * request each. Reports per page: requests, non-2xx, p50/p95/p99 and the size
 * of the answer (a page that grows with the data shows here). Exits 1 on any
 * non-2xx answer or network error.
 *
 * The database is left as it was: the server runs with AUDIT_RETENTION=off,
 * and the seeded webhook deliveries are row-locked (FOR KEY SHARE, rolled back
 * at the end) so the startup history sweep, which skips locked rows, deletes
 * none of them.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { hashPassword } from "@/lib/auth/password";
import { createToken, type FerryServer, startFerry } from "../tests/helpers/ferry-server";
import { processTreeCpu } from "../tests/helpers/process-cpu";
import { passwordSession } from "../tests/helpers/session";

const { values } = parseArgs({
  options: {
    "database-url": { type: "string" },
    database: { type: "string", default: "ferry_scale" },
    clients: { type: "string", default: "8" },
    requests: { type: "string", default: "40" },
    // Only the pages whose name contains this (to re-measure one after a fix).
    only: { type: "string" },
    // Leave out the pages whose name contains one of these (comma-separated).
    exclude: { type: "string" },
    // Each page this many times alone, one after another, to read the server's CPU per request.
    alone: { type: "string", default: "10" },
  },
});

const ADMIN = { email: "admin@example.com", password: "scale-admin-password" };
const MEMBER_PASSWORD = "scale-member-password";
const log = (line: string) => console.log(`# ${line}`);

function databaseUrl(): string {
  if (values["database-url"]) return values["database-url"];
  const server = process.env.FERRY_TEST_DATABASE_URL;
  if (!server) throw new Error("Pass --database-url, or set FERRY_TEST_DATABASE_URL (the server ferry_scale is on)");
  const url = new URL(server);
  url.pathname = `/${values.database}`;
  return url.toString();
}

/** CPU seconds of every process named postgres (the server and its backends), from /proc. */
function postgresCpu(): number {
  let total = 0;
  for (const pid of fs.readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      if (!stat.includes("(postgres)")) continue;
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      total += (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // The process ended between two reads.
    }
  }
  return total;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((sorted.length * p) / 100) - 1)] ?? 0;
}

type Who = "admin" | "member";
type Target = { name: string; who: Who; path: string; api?: boolean };
type Stats = { latencies: number[]; failures: number; statuses: Map<number, number>; bytes: number };

async function main(): Promise<number> {
  const clients = Number(values.clients);
  const perPage = Number(values.requests);
  const url = databaseUrl();
  const sql = new pg.Client({ connectionString: url });
  await sql.connect();
  const one = async <T>(text: string, params: unknown[] = []): Promise<T> => {
    const row = (await sql.query(text, params)).rows[0] as T | undefined;
    if (!row) throw new Error(`Seed the database first (npm run seed:scale): nothing for ${text.slice(0, 80)}…`);
    return row;
  };

  // What the pages are about: the app with the most builds, its most downloaded build, a member who sees it.
  const top = await one<{ id: string }>(
    `SELECT app_id::text AS id FROM builds GROUP BY app_id ORDER BY count(*) DESC, app_id LIMIT 1`,
  );
  const build = await one<{ id: string }>(
    `SELECT b.id::text AS id FROM builds b
     WHERE b.app_id = $1 ORDER BY (SELECT count(*) FROM audit_events e
       WHERE e.build_id = b.id AND e.action = 'ipa.download') DESC, b.created_at DESC
     LIMIT 1`,
    [top.id],
  ).catch(async () => one<{ id: string }>(`SELECT id::text FROM builds WHERE app_id = $1 LIMIT 1`, [top.id]));
  const member = await one<{ id: string; email: string }>(
    `SELECT u.id::text AS id, u.email FROM users u
     WHERE u.role = 'member' AND u.disabled_at IS NULL
       AND EXISTS (SELECT 1 FROM group_members gm JOIN app_groups ag ON ag.group_id = gm.group_id
                   WHERE gm.user_id = u.id AND ag.app_id = $1)
     ORDER BY EXISTS (SELECT 1 FROM devices d WHERE d.user_id = u.id) DESC, u.email LIMIT 1`,
    [top.id],
  );
  await sql.query(`UPDATE users SET password_hash = $2 WHERE id = $1`, [
    member.id,
    await hashPassword(MEMBER_PASSWORD),
  ]);
  const hook = await one<{ app_id: string }>(`SELECT app_id::text FROM webhooks ORDER BY created_at, id LIMIT 1`);
  log(`app ${top.id}, build ${build.id}, member ${member.email}, webhook app ${hook.app_id}`);

  // The startup sweep deletes delivered deliveries older than 30 days but skips locked rows: keep the seed's.
  await sql.query("BEGIN");
  const locked = await sql.query(`SELECT 1 FROM webhook_deliveries WHERE status = 'delivered' FOR KEY SHARE`);
  log(`${locked.rowCount} webhook deliveries held (rolled back at the end)`);

  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-pages-"));
  let server: FerryServer | null = null;
  try {
    server = await startFerry({
      dataDir: path.join(scratch, "data"),
      databaseUrl: url,
      launcher: "compiled",
      env: { AUDIT_RETENTION: "off" },
    });
    const srv = server;
    const cookies: Record<Who, string> = {
      admin: (await passwordSession(srv.baseUrl, ADMIN.email, ADMIN.password)) ?? "",
      member: (await passwordSession(srv.baseUrl, member.email, MEMBER_PASSWORD)) ?? "",
    };
    if (!cookies.admin || !cookies.member) throw new Error("could not sign in as the seeded admin or member");
    const tokens: Record<Who, string> = {
      admin: await createToken(srv, ADMIN.email),
      member: await createToken(srv, member.email),
    };
    const audit = (query: Record<string, string>) => `/admin/audit?${new URLSearchParams(query)}`;
    const targets: Target[] = [
      { name: "apps list (member)", who: "member", path: "/" },
      { name: "apps list (admin)", who: "admin", path: "/" },
      { name: "app page, most builds (member)", who: "member", path: `/apps/${top.id}` },
      { name: "app page, most builds (admin)", who: "admin", path: `/apps/${top.id}` },
      { name: "build page + funnel (admin)", who: "admin", path: `/apps/${top.id}/builds/${build.id}` },
      { name: "build page (member)", who: "member", path: `/apps/${top.id}/builds/${build.id}` },
      { name: "channel page (member)", who: "member", path: `/apps/${top.id}/channels/beta` },
      { name: "channels management (admin)", who: "admin", path: `/apps/${top.id}/channels` },
      { name: "my devices (member)", who: "member", path: "/devices" },
      { name: "admin users", who: "admin", path: "/admin/users" },
      { name: "admin groups", who: "admin", path: "/admin/groups" },
      { name: "admin apps", who: "admin", path: "/admin/apps" },
      { name: "admin devices", who: "admin", path: "/admin/devices" },
      { name: "admin webhooks + deliveries", who: "admin", path: `/admin/apps/${hook.app_id}/webhooks` },
      { name: "admin settings", who: "admin", path: "/admin/settings" },
      { name: "admin signing", who: "admin", path: "/admin/signing" },
      { name: "audit, newest", who: "admin", path: "/admin/audit" },
      { name: "audit by person (email)", who: "admin", path: audit({ q: member.email }) },
      { name: "audit by app", who: "admin", path: audit({ app: top.id }) },
      { name: "audit free text (user agent)", who: "admin", path: audit({ q: "iPhone OS 17_3" }) },
      { name: "audit free text (partial IP)", who: "admin", path: audit({ q: "10.42.17." }) },
      { name: "audit free text (no match)", who: "admin", path: audit({ q: "zzqx-not-there" }) },
      { name: "API apps (member)", who: "member", path: "/api/v1/apps", api: true },
      { name: "API apps (admin)", who: "admin", path: "/api/v1/apps", api: true },
      { name: "API builds of the top app", who: "admin", path: `/api/v1/apps/${top.id}/builds`, api: true },
      { name: "API webhook deliveries", who: "admin", path: `/api/v1/apps/${hook.app_id}/webhooks`, api: true },
    ]
      .filter((t) => !values.only || t.name.includes(values.only))
      .filter((t) => !(values.exclude ?? "").split(",").some((x) => x && t.name.includes(x))) as Target[];

    const request = async (target: Target): Promise<{ status: number; bytes: number }> => {
      const headers: Record<string, string> = target.api
        ? { authorization: `Bearer ${tokens[target.who]}` }
        : { cookie: cookies[target.who] };
      const res = await fetch(`${srv.baseUrl}${target.path}`, { headers, redirect: "manual" });
      const body = await res.arrayBuffer();
      return { status: res.status, bytes: body.byteLength };
    };

    const stats = new Map<Target, Stats>(
      targets.map((t) => [t, { latencies: [], failures: 0, statuses: new Map(), bytes: 0 }]),
    );
    log("warm-up: each page once");
    for (const target of targets) {
      const t0 = performance.now();
      const { status, bytes } = await request(target);
      log(`  ${target.name}: ${status}, ${(bytes / 1024).toFixed(0)} KiB, ${(performance.now() - t0).toFixed(0)} ms`);
    }

    // Each page alone: the server's CPU per request (process tree, /proc) and the wall time with
    // nothing else in flight. CPU is what 8 clients share, so it predicts their wait on a quiet machine.
    const alone = new Map<Target, { cpuMs: number; pgMs: number; wallMs: number }>();
    const aloneCount = Number(values.alone);
    if (aloneCount > 0) {
      for (const target of targets) {
        const walls: number[] = [];
        const cpu0 = processTreeCpu(srv.pid);
        const pg0 = postgresCpu();
        for (let i = 0; i < aloneCount; i++) {
          const t0 = performance.now();
          await request(target);
          walls.push(performance.now() - t0);
        }
        const cpuMs = ((processTreeCpu(srv.pid) - cpu0) * 1000) / aloneCount;
        const pgMs = ((postgresCpu() - pg0) * 1000) / aloneCount;
        alone.set(target, {
          cpuMs,
          pgMs,
          wallMs: percentile(
            [...walls].sort((a, b) => a - b),
            50,
          ),
        });
      }
    }

    // Every page `perPage` times, interleaved (a fixed shuffle), `clients` at once.
    const queue: Target[] = targets.flatMap((t) => Array.from({ length: perPage }, () => t));
    const queueLength = queue.length;
    let seed = 42;
    for (let i = queue.length - 1; i > 0; i--) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const j = seed % (i + 1);
      [queue[i], queue[j]] = [queue[j]!, queue[i]!];
    }
    // Who used the two cores during the run: Ferry, PostgreSQL (every process named postgres on this
    // machine) and this client. Their sum against wall time × cores says whether the machine was the limit.
    const cpuNow = () => ({
      ferry: processTreeCpu(srv.pid),
      postgres: postgresCpu(),
      client: process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6,
    });
    const cpuBefore = cpuNow();
    const started = performance.now();
    const worker = async () => {
      for (let target = queue.pop(); target; target = queue.pop()) {
        const s = stats.get(target)!;
        const t0 = performance.now();
        try {
          const { status, bytes } = await request(target);
          s.statuses.set(status, (s.statuses.get(status) ?? 0) + 1);
          if (status < 200 || status > 299) s.failures += 1;
          s.bytes = bytes;
        } catch {
          s.failures += 1;
        }
        s.latencies.push(performance.now() - t0);
      }
    };
    await Promise.all(Array.from({ length: clients }, worker));
    const seconds = (performance.now() - started) / 1000;
    const cpuAfter = cpuNow();
    const used = (k: keyof typeof cpuBefore) => cpuAfter[k] - cpuBefore[k];

    console.log(`\n${clients} clients, ${perPage} requests per page, ${seconds.toFixed(1)} s`);
    console.log(
      `CPU during the run (s): Ferry ${used("ferry").toFixed(1)}, PostgreSQL ${used("postgres").toFixed(1)}, ` +
        `client ${used("client").toFixed(1)}, of ${(seconds * os.cpus().length).toFixed(1)} (${os.cpus().length} cores × wall); ` +
        `${(queueLength / seconds).toFixed(1)} requests/s\n`,
    );
    console.log(
      "| page | requests | non-2xx | p50 ms | p95 ms | p99 ms | KiB | alone: Ferry CPU / PostgreSQL CPU / wall (ms) |",
    );
    console.log("|---|---|---|---|---|---|---|---|");
    let cpuSum = 0;
    let pgSum = 0;
    let failures = 0;
    const over: string[] = [];
    for (const [target, s] of stats) {
      const sorted = [...s.latencies].sort((a, b) => a - b);
      failures += s.failures;
      const p95 = percentile(sorted, 95);
      if (p95 > 200) over.push(target.name);
      const solo = alone.get(target);
      cpuSum += solo?.cpuMs ?? 0;
      pgSum += solo?.pgMs ?? 0;
      const soloText = solo ? `${solo.cpuMs.toFixed(0)} / ${solo.pgMs.toFixed(0)} / ${solo.wallMs.toFixed(0)}` : "—";
      const statuses = s.failures ? ` (${[...s.statuses].map(([k, v]) => `${v}×${k}`).join(", ")})` : "";
      console.log(
        `| ${target.name} | ${sorted.length} | ${s.failures}${statuses} | ${percentile(sorted, 50).toFixed(0)} | ${p95.toFixed(0)} | ${percentile(sorted, 99).toFixed(0)} | ${(s.bytes / 1024).toFixed(0)} | ${soloText} |`,
      );
    }
    if (alone.size > 0) {
      const mean = cpuSum / alone.size;
      console.log(
        `\nCPU per request, mean over the pages: Ferry ${mean.toFixed(1)} ms (≈ ${(1000 / mean).toFixed(0)} requests/s on one core), ` +
          `PostgreSQL ${(pgSum / alone.size).toFixed(1)} ms`,
      );
    }
    console.log(`\nnon-2xx or failed: ${failures}; over p95 200 ms: ${over.length ? over.join(", ") : "none"}`);
    return failures > 0 ? 1 : 0;
  } finally {
    await server?.stop().catch(() => {});
    await sql.query("ROLLBACK").catch(() => {});
    await sql.end();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
