import { randomBytes } from "node:crypto";
import pg from "pg";

/** The PostgreSQL server the test runner provides (scripts/run-tests.ts). */
export function testServerUrl(): string {
  const url = process.env.FERRY_TEST_DATABASE_URL;
  if (!url) throw new Error("FERRY_TEST_DATABASE_URL is not set: run tests with `npm test` (scripts/run-tests.ts)");
  return url;
}

/** A fresh, empty database on the test server; `drop()` removes it. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `ferry_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: testServerUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(testServerUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: testServerUrl() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Runs one query against a test database (for assertions on stored state). */
export async function queryDatabase<T extends pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

/**
 * Re-runs `read` until `done` accepts its result or `timeoutMs` passes, and
 * returns the last result (the caller asserts on it). For rows written just
 * behind the answer, like a manifest fetch's audit row.
 */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 3_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    value = await read();
  }
  return value;
}
