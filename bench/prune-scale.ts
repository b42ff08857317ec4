/**
 * One run of the history-pruning sweep (lib/retention/history-pruning.ts) on
 * the seeded company database, timed per batch: how long the first sweep
 * after an upgrade takes and the longest single DELETE (the longest any row
 * lock is held).
 *
 *   npx tsx bench/prune-scale.ts [--database-url URL] [--retention-days 400] [--runs 1]
 *
 * It deletes rows: run it on a copy (the seed's ferry_scale), not on data you keep.
 */
import { parseArgs } from "node:util";
import pg from "pg";

const { values } = parseArgs({
  options: {
    "database-url": { type: "string" },
    "retention-days": { type: "string", default: "400" },
    runs: { type: "string", default: "1" },
  },
});

function databaseUrl(): string {
  if (values["database-url"]) return values["database-url"];
  const server = process.env.FERRY_TEST_DATABASE_URL;
  if (!server) throw new Error("Pass --database-url, or set FERRY_TEST_DATABASE_URL (ferry_scale on that server)");
  const url = new URL(server);
  url.pathname = "/ferry_scale";
  return url.toString();
}

const url = databaseUrl();
process.env.DATABASE_URL = url;
process.env.AUTH_SECRET ??= "prune-scale-bench-not-a-secret-0123456789";

async function counts(): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const rows = await client.query(
      `SELECT (SELECT count(*) FROM audit_events) AS audit, (SELECT count(*) FROM audit_daily_counts) AS daily,
              (SELECT count(*) FROM webhook_deliveries) AS deliveries,
              pg_size_pretty(pg_total_relation_size('audit_events')) AS audit_size`,
    );
    const r = rows.rows[0];
    return `audit_events ${Number(r.audit).toLocaleString("en-US")} (${r.audit_size}), audit_daily_counts ${Number(r.daily).toLocaleString("en-US")}, webhook_deliveries ${Number(r.deliveries).toLocaleString("en-US")}`;
  } finally {
    await client.end();
  }
}

async function main() {
  const { pruneHistory } = await import("@/lib/retention/history-pruning");
  const { disconnectPrisma } = await import("@/lib/db/client");
  console.log(`before: ${await counts()}`);
  for (let run = 1; run <= Number(values.runs); run++) {
    const batches: { table: string; rows: number; ms: number }[] = [];
    let last = performance.now();
    const t0 = last;
    const result = await pruneHistory({
      retentionDays: Number(values["retention-days"]),
      limits: {
        onBatch: (table, rows) => {
          const now = performance.now();
          batches.push({ table, rows, ms: now - last });
          last = now;
        },
      },
    });
    const total = performance.now() - t0;
    const audit = batches.filter((b) => b.table === "audit_events");
    // The first audit batch's time includes the roll-up of the days before it.
    const rollUpAndFirst = batches[0]?.ms ?? 0;
    const longest = Math.max(0, ...batches.slice(1).map((b) => b.ms));
    const median = audit.map((b) => b.ms).sort((a, b) => a - b)[Math.floor(audit.length / 2)] ?? 0;
    console.log(
      `run ${run}: ${(total / 1000).toFixed(1)} s; ${result.daysRolledUp} day(s) rolled up (with the first batch: ${(rollUpAndFirst / 1000).toFixed(1)} s); deleted ${result.auditEvents.toLocaleString("en-US")} audit events in ${audit.length} batches (median ${median.toFixed(0)} ms, longest later statement of any table ${longest.toFixed(0)} ms), ${result.webhookDeliveries.toLocaleString("en-US")} webhook deliveries`,
    );
  }
  console.log(`after: ${await counts()}`);
  await disconnectPrisma();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
