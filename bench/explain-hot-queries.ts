/**
 * The plans of the hot queries, on the seeded company database
 * (`npm run seed:scale`), written to docs/queries.md so a regression shows
 * in review.
 *
 *   npx tsx bench/explain-hot-queries.ts [--database-url URL | --database ferry_scale] [--out docs/queries.md]
 *
 * Not hand-copied SQL: each scenario calls the real domain function (the
 * one the page or API route calls) with Prisma's query log on, and every
 * statement it sent is run again under EXPLAIN (ANALYZE, BUFFERS) with the
 * same parameters. Plans are taken warm (the scenario ran once before).
 */
import fs from "node:fs";
import { parseArgs } from "node:util";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";

const { values } = parseArgs({
  options: {
    "database-url": { type: "string" },
    database: { type: "string", default: "ferry_scale" },
    out: { type: "string", default: "docs/queries.md" },
  },
});

function databaseUrl(): string {
  if (values["database-url"]) return values["database-url"];
  const server = process.env.FERRY_TEST_DATABASE_URL;
  if (!server) throw new Error("Pass --database-url, or set FERRY_TEST_DATABASE_URL (ferry_scale on that server)");
  const url = new URL(server);
  url.pathname = `/${values.database}`;
  return url.toString();
}

const url = databaseUrl();
process.env.DATABASE_URL = url;
process.env.AUTH_SECRET ??= "explain-hot-queries-not-a-secret-0123456789";

type Logged = { query: string; params: string };
const logged: Logged[] = [];

async function main() {
  const { PrismaClient } = await import("@/lib/generated/prisma/client");
  const client = new PrismaClient({
    adapter: new PrismaPg({ connectionString: url }),
    log: [{ emit: "event", level: "query" }],
  });
  client.$on("query", (e: { query: string; params: string }) => logged.push({ query: e.query, params: e.params }));
  // lib/db/client.ts keeps its one client here: the domain functions use this logging one.
  (globalThis as typeof globalThis & { ferryPrisma?: unknown }).ferryPrisma = client;

  const { findUserByEmail } = await import("@/lib/users/data");
  const { listAppsPageFor, listAppAccessPage } = await import("@/lib/apps/data");
  const { listBuildsPageFor } = await import("@/lib/builds/data");
  const { installCounts, installFunnel } = await import("@/lib/audit/install-analytics");
  const { searchAuditForAdmin } = await import("@/lib/audit/audit-search");
  const { listUsersPage } = await import("@/lib/users/data");
  const { listAllDevicesPage } = await import("@/lib/devices/data");
  const { listDeliveriesPageForApp } = await import("@/lib/webhooks/data");
  const { listChannelsFor } = await import("@/lib/channels/data");

  const admin = await findUserByEmail("admin@example.com");
  const member = await findUserByEmail("employee4242@example.com");
  // A member of a group the app with the most builds is granted to (the one bench/pages-scale.ts signs in as).
  const topMember = await findUserByEmail("employee10014@example.com");
  if (!admin || !member || !topMember) throw new Error("Seed the database first: npm run seed:scale");
  const sql = new pg.Client({ connectionString: url });
  await sql.connect();
  const one = async (text: string, params: unknown[] = []) => (await sql.query(text, params)).rows[0];
  const topApp = await one(`SELECT app_id::text AS id FROM builds GROUP BY app_id ORDER BY count(*) DESC LIMIT 1`);
  const popularBuild = await one(
    `SELECT build_id::text AS id FROM audit_events WHERE build_id IS NOT NULL AND action = 'ipa.download'
     GROUP BY build_id ORDER BY count(*) DESC LIMIT 1`,
  );
  const hookApp = await one(`SELECT app_id::text AS id FROM webhooks ORDER BY created_at, id LIMIT 1`);
  const firstBuilds = await listBuildsPageFor(admin, topApp.id, { limit: 50 });

  const scenarios: [string, () => Promise<unknown>][] = [
    ["Apps list (home page and API, a member, first page)", () => listAppsPageFor(member, { limit: 50 })],
    ["Apps list (home page and API, admin, first page)", () => listAppsPageFor(admin, { limit: 50 })],
    ["Admin apps page (first page by name)", () => listAppAccessPage(admin, { limit: 20 })],
    [
      "Builds of the app with the most builds (admin, first page)",
      () => listBuildsPageFor(admin, topApp.id, { limit: 50 }),
    ],
    [
      "Builds of the app with the most builds (admin, second page: keyset)",
      () => listBuildsPageFor(admin, topApp.id, { limit: 50, cursor: firstBuilds.nextCursor ?? undefined }),
    ],
    [
      "Channels of the app with the most builds (app page, a member who sees it)",
      () => listChannelsFor(topMember, topApp.id),
    ],
    ["Install counts of a page of builds (app page)", () => installCounts(firstBuilds.items.map((b) => b.id))],
    ["Install funnel of the most downloaded build (build page)", () => installFunnel(popularBuild.id)],
    ["Audit log, newest (admin audit page)", () => searchAuditForAdmin(admin, { limit: 51 })],
    [
      "Audit search by person (an employee's email)",
      () => searchAuditForAdmin(admin, { query: "employee4242@example.com", limit: 51 }),
    ],
    ["Audit search by app", () => searchAuditForAdmin(admin, { appId: topApp.id, limit: 51 })],
    ["Audit search by free text (part of an IP)", () => searchAuditForAdmin(admin, { query: "10.42.17.", limit: 51 })],
    [
      "Audit search by free text (rare: no match)",
      () => searchAuditForAdmin(admin, { query: "zzqx-not-there", limit: 51 }),
    ],
    ["Audit filtered by a rare action", () => searchAuditForAdmin(admin, { action: "user.update", limit: 51 })],
    ["Admin users page (first page)", () => listUsersPage(admin, { limit: 100 })],
    ["Admin devices page (first page)", () => listAllDevicesPage(admin, { limit: 100 })],
    ["Webhook deliveries of an app (first page)", () => listDeliveriesPageForApp(admin, hookApp.id, { limit: 50 })],
  ];

  const lines: string[] = [
    "# Hot query plans",
    "",
    "Generated by `npx tsx bench/explain-hot-queries.ts` on the database of `npm run seed:scale` (see bench/README.md",
    "for its counts); each section is one domain function as a page or API route calls it, and every statement it sent,",
    "re-run under `EXPLAIN (ANALYZE, BUFFERS)` with the same parameters, warm. Regenerate after changing a query or an",
    "index and review the difference: a `Seq Scan` on `audit_events`, `builds` or `webhook_deliveries`, or a sort over",
    "many rows, is a regression.",
    "",
  ];
  const counts = await sql.query(
    `SELECT relname, n_live_tup FROM pg_stat_user_tables
     WHERE relname IN ('users', 'groups', 'apps', 'builds', 'devices', 'audit_events', 'webhook_deliveries')
     ORDER BY relname`,
  );
  lines.push(
    `Database: ${counts.rows.map((r) => `${r.relname} ${Number(r.n_live_tup).toLocaleString("en-US")}`).join(", ")}.`,
    `Server: ${(await one("SELECT version() AS v")).v}. Taken ${new Date().toISOString().slice(0, 16)}Z.`,
    "",
  );
  for (const [title, run] of scenarios) {
    await run(); // warm
    logged.length = 0;
    const t0 = performance.now();
    await run();
    const ms = performance.now() - t0;
    const statements = logged.filter((l) => /^\s*(SELECT|WITH)/i.test(l.query));
    lines.push(`## ${title}`, "", `Whole call: ${ms.toFixed(1)} ms, ${statements.length} statement(s).`, "");
    for (const statement of statements) {
      const params = JSON.parse(statement.params) as unknown[];
      let plan: string;
      try {
        const result = await sql.query(`EXPLAIN (ANALYZE, BUFFERS) ${statement.query}`, params);
        plan = result.rows.map((r) => r["QUERY PLAN"]).join("\n");
      } catch (error) {
        plan = `(could not explain: ${(error as Error).message})`;
      }
      lines.push("```sql", statement.query.replace(/\s+/g, " ").trim(), "```", "", "```", plan, "```", "");
    }
    console.log(`${title.padEnd(70)} ${ms.toFixed(1).padStart(8)} ms`);
  }
  fs.writeFileSync(values.out ?? "docs/queries.md", `${lines.join("\n")}\n`);
  await sql.end();
  await client.$disconnect();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
