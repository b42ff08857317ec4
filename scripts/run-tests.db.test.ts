/**
 * `npm test` itself (scripts/run-tests.ts): without the real-IPA corpus it
 * skips the corpus tier with one line (or, with FERRY_REQUIRE_FIXTURES=1,
 * stops at once with one sentence), and it gives a database only to the
 * tiers that use one.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { testServerUrl } from "@/tests/helpers/test-database";

const ROOT = path.resolve(import.meta.dirname, "..");
const TSX = path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
/** Generous on a loaded machine; without the fail-fast the runner would be building for minutes. */
const DEADLINE_MS = 30_000;

type Run = { code: number | null; stdout: string; stderr: string; timedOut: boolean };

/** Runs the runner as `npm test -- <args>` does, killed (with its build or database) after DEADLINE_MS. */
function runTests(args: string[], env: Record<string, string | undefined>): Promise<Run> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  // Set by the outer test runner; an inner `node --test` would otherwise report to it instead of printing.
  delete childEnv.NODE_TEST_CONTEXT;
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [TSX, "scripts/run-tests.ts", ...args], {
      cwd: ROOT,
      env: childEnv,
      detached: true,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {}
    }, DEADLINE_MS);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

let scratch: string;
before(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-runner-"));
});
after(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

test("without the corpus, the corpus tier is skipped with one line saying how to get it", async () => {
  const run = await runTests(["--tier", "corpus"], {
    FERRY_FIXTURES: "/nonexistent",
    FERRY_REQUIRE_FIXTURES: undefined,
  });
  assert.equal(run.timedOut, false, `still running after ${DEADLINE_MS} ms:\n${run.stdout}`);
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
  const skipped = run.stdout.split("\n").filter((l) => /skipped/.test(l));
  assert.equal(skipped.length, 1, run.stdout);
  assert.match(skipped[0]!, /\/nonexistent/);
  assert.match(skipped[0]!, /npm run fixtures/);
  assert.doesNotMatch(run.stdout, /next build|postgres/i, "nothing built or started");
});

for (const [label, args] of [
  ["the full suite", []],
  ["one corpus test file", ["lib/analysis/ipa/zip-reader.corpus.test.ts"]],
] as const) {
  test(`${label} with FERRY_REQUIRE_FIXTURES=1 and no corpus stops at once with one sentence`, async () => {
    const run = await runTests([...args], {
      FERRY_FIXTURES: "/nonexistent",
      FERRY_REQUIRE_FIXTURES: "1",
      FERRY_TEST_SKIP_BUILD: undefined,
    });
    assert.equal(run.timedOut, false, `still running after ${DEADLINE_MS} ms:\n${run.stdout}`);
    assert.notEqual(run.code, 0);
    const lines = run.stderr.trim().split("\n");
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0]!, /\/nonexistent/);
    assert.match(lines[0]!, /npm run fixtures/);
    assert.match(lines[0]!, /FERRY_FIXTURES=\/path\/to\/fixtures/);
    assert.doesNotMatch(run.stdout, /next build|postgres/i, "nothing built or started");
  });
}

test("a pure unit test gets no database; one that uses the database gets one", async () => {
  const pure = path.join(scratch, "pure.test.ts");
  fs.writeFileSync(
    pure,
    `import assert from "node:assert/strict";
import { test } from "node:test";
test("pure", () => assert.equal(process.env.FERRY_TEST_DATABASE_URL, undefined));
`,
  );
  // No database configured: the runner would have to start an embedded one if it thought one was needed.
  const pureRun = await runTests([pure], {
    FERRY_TEST_DATABASE_URL: undefined,
    FERRY_FIXTURES: "/nonexistent",
    FERRY_TEST_SKIP_BUILD: undefined,
  });
  assert.equal(pureRun.timedOut, false, pureRun.stdout);
  assert.equal(pureRun.code, 0, `${pureRun.stdout}\n${pureRun.stderr}`);
  assert.match(pureRun.stdout, /unit 1\): build no, database no, fixtures no/);
  assert.doesNotMatch(pureRun.stdout, /postgres|next build/i);

  const withDb = path.join(scratch, "with-db.db.test.ts");
  fs.writeFileSync(
    withDb,
    `import assert from "node:assert/strict";
import { test } from "node:test";
import { createTestDatabase, queryDatabase } from ${JSON.stringify(path.join(ROOT, "tests/helpers/test-database.ts"))};
test("database", async () => {
  const db = await createTestDatabase();
  try {
    assert.deepEqual(await queryDatabase(db.url, "SELECT 1 AS one"), [{ one: 1 }]);
  } finally {
    await db.drop();
  }
});
`,
  );
  const dbRun = await runTests([withDb], {
    FERRY_TEST_DATABASE_URL: testServerUrl(),
    FERRY_TEST_SKIP_BUILD: undefined,
  });
  assert.equal(dbRun.timedOut, false, dbRun.stdout);
  assert.equal(dbRun.code, 0, `${dbRun.stdout}\n${dbRun.stderr}`);
  assert.match(dbRun.stdout, /db 1\): build no, database yes, fixtures no/);
});
