/**
 * `npm test`: runs every test tier in turn (unit, db, http, e2e, corpus; see
 * scripts/test-tiers.ts for what each file's path declares) with Node's test
 * runner. `--tier unit,db` runs only those tiers; file paths run those files
 * (with --tier, as well as those tiers').
 *
 * Each tier gets only what it needs: a PostgreSQL server (embedded unless
 * FERRY_TEST_DATABASE_URL points at one) for db, http, e2e and server corpus
 * tests; a fresh `next build` (skipped with FERRY_TEST_SKIP_BUILD=1) for http,
 * e2e and server corpus tests; unit tests get no database URL at all.
 *
 * The corpus tier needs the real-IPA corpus (FERRY_FIXTURES, else
 * ../shared/fixtures). Without it the tier is skipped with one line saying how
 * to get it, or, with FERRY_REQUIRE_FIXTURES=1 (CI), the run fails at once.
 */
// First: `next build` below inherits NEXT_TELEMETRY_DISABLED.
import "@/lib/boot/next-telemetry";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { missingFixturesMessage } from "../tests/helpers/fixtures";
import { allTests, ROOT, TIERS, type Tier, tierNeeds, tierOf } from "./test-tiers";

function parseArgs(argv: string[]): { tiers: Tier[]; files: string[] } {
  const tiers: Tier[] = [];
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = arg === "--tier" ? argv[++i] : arg.startsWith("--tier=") ? arg.slice("--tier=".length) : null;
    if (value === null) {
      files.push(arg);
      continue;
    }
    for (const name of (value ?? "").split(",")) {
      if (!(TIERS as readonly string[]).includes(name))
        throw new Error(`unknown tier "${name}": one of ${TIERS.join(", ")}`);
      tiers.push(name as Tier);
    }
  }
  return { tiers, files };
}

function runNodeTest(files: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "--test", "--test-concurrency=2", "--test-reporter=spec", ...files],
    { cwd: ROOT, stdio: "inherit", env },
  );
  return new Promise<number>((resolve) => child.on("exit", (c) => resolve(c ?? 1)));
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  // Files named run as given; --tier adds those tiers' files; neither means the whole suite.
  const selected = new Set(args.files);
  if (args.files.length === 0 || args.tiers.length > 0)
    for (const file of allTests()) if (args.tiers.length === 0 || args.tiers.includes(tierOf(file))) selected.add(file);
  const byTier = new Map<Tier, string[]>();
  for (const file of selected) byTier.set(tierOf(file), [...(byTier.get(tierOf(file)) ?? []), file]);

  // Before building or starting anything: without the corpus, every corpus test would fail on its own ENOENT.
  const corpus = byTier.get("corpus") ?? [];
  const missing = corpus.length > 0 ? missingFixturesMessage() : null;
  if (missing) {
    if (process.env.FERRY_REQUIRE_FIXTURES === "1") {
      console.error(`FERRY_REQUIRE_FIXTURES=1: ${missing}`);
      return 1;
    }
    console.log(`# skipped ${corpus.length} corpus test file(s): ${missing}`);
    byTier.delete("corpus");
  }

  const needs = { build: false, database: false };
  for (const [tier, files] of byTier)
    for (const file of files) {
      const n = tierNeeds(tier, file);
      needs.build ||= n.build;
      needs.database ||= n.database;
    }
  const total = [...byTier.values()].reduce((sum, files) => sum + files.length, 0);
  const yesNo = (b: boolean) => (b ? "yes" : "no");
  console.log(
    `# ${total} test file(s) (${TIERS.filter((t) => byTier.has(t))
      .map((t) => `${t} ${byTier.get(t)!.length}`)
      .join(
        ", ",
      )}): build ${yesNo(needs.build)}, database ${yesNo(needs.database)}, fixtures ${yesNo(byTier.has("corpus"))}`,
  );
  if (total === 0) return 0;

  if (needs.build && process.env.FERRY_TEST_SKIP_BUILD !== "1") {
    console.log("# building the app (next build)");
    const build = spawnSync("npm", ["run", "--silent", "build"], { cwd: ROOT, stdio: "inherit" });
    if (build.status !== 0) return build.status ?? 1;
  }

  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: "test" };
  // A relative FERRY_FIXTURES means relative to where the runner was started, not to each test's directory.
  if (env.FERRY_FIXTURES) env.FERRY_FIXTURES = path.resolve(env.FERRY_FIXTURES);
  let stopDatabase = async () => {};
  if (needs.database && !env.FERRY_TEST_DATABASE_URL) {
    // Loaded only here: starting PostgreSQL is the slow part a pure unit run skips.
    const { ensureEmbeddedPostgres } = await import("@/lib/db/embedded-postgres");
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-test-pg-"));
    const database = await ensureEmbeddedPostgres(scratch, (line) => console.log(`# ${line}`));
    // Connect to the maintenance database; each test file creates its own.
    env.FERRY_TEST_DATABASE_URL = database.url.replace(/\/ferry$/, "/postgres");
    stopDatabase = async () => {
      await database.stop();
      fs.rmSync(scratch, { recursive: true, force: true });
    };
  }

  let code = 0;
  try {
    for (const tier of TIERS) {
      const files = byTier.get(tier);
      if (!files) continue;
      console.log(`# tier ${tier}: ${files.length} file(s)`);
      const tierEnv = { ...env };
      // A tier that needs no database must not come to depend on one by accident.
      if (!files.some((f) => tierNeeds(tier, f).database)) delete tierEnv.FERRY_TEST_DATABASE_URL;
      const tierCode = await runNodeTest(files, tierEnv);
      if (tierCode !== 0) code = tierCode;
    }
  } finally {
    await stopDatabase();
  }
  return code;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
