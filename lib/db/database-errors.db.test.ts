import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { AppError } from "@/lib/errors";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { testServerUrl } from "@/tests/helpers/test-database";
import { asDatabaseUnavailable, databaseFailureOf, isDatabaseUnavailable } from "./database-errors";

const serverUrl = testServerUrl;

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const address = server.address() as net.AddressInfo;
      server.close(() => resolve(address.port));
    });
  });
}

async function caught(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  assert.fail("expected an error");
}

test("real connection failures are database_unavailable (503)", async () => {
  const refusedUrl = `postgresql://postgres@127.0.0.1:${await closedPort()}/x`;
  const refused = new PrismaClient({ adapter: new PrismaPg({ connectionString: refusedUrl }) });
  const errors: [string, unknown][] = [
    ["pg client, refused", await caught(() => new pg.Client({ connectionString: refusedUrl }).connect())],
    ["prisma model query, refused", await caught(() => refused.user.count())],
    ["prisma raw query, refused", await caught(() => refused.$queryRaw`SELECT 1`)],
    ["prisma transaction, refused", await caught(() => refused.$transaction(async (tx) => tx.user.count()))],
  ];
  await refused.$disconnect();

  // A connection the server terminates mid-query (57P01, what a shutdown does).
  const name = `ferry-terminate-${process.pid}`;
  const victim = new PrismaClient({
    adapter: new PrismaPg({ connectionString: serverUrl(), application_name: name }),
  });
  await victim.$queryRaw`SELECT 1`;
  const sleeping = caught(() => victim.$queryRaw`SELECT pg_sleep(5)`);
  const admin = new pg.Client({ connectionString: serverUrl() });
  await admin.connect();
  for (let i = 0; i < 50; i++) {
    const killed = await admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND state = 'active'",
      [name],
    );
    if (killed.rowCount) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await admin.end();
  errors.push(["prisma query, terminated", await sleeping]);
  await victim.$disconnect();

  for (const [label, error] of errors) {
    assert.equal(isDatabaseUnavailable(error), true, `${label}: ${String(error)}`);
    assert.equal(databaseFailureOf(error), "unreachable", label);
    const mapped = asDatabaseUnavailable(error);
    assert.ok(mapped instanceof AppError, label);
    assert.equal(mapped.code, "database_unavailable");
    assert.equal(mapped.status, 503);
  }
});

test("other errors are not mistaken for an outage", async () => {
  const client = new PrismaClient({ adapter: new PrismaPg({ connectionString: serverUrl() }) });
  const syntax = await caught(() => client.$queryRawUnsafe("SELEC nonsense"));
  await client.$disconnect();
  for (const error of [syntax, new Error("boom"), new AppError("not_found", "x"), null, "text"]) {
    assert.equal(isDatabaseUnavailable(error), false, String(error));
    assert.equal(asDatabaseUnavailable(error), null);
  }
});

test("waiting past the pool's limit for a connection is database_busy, not an outage", async () => {
  // One pooled connection, held by a slow query: the next query waits 200 ms for it, then fails.
  const client = new PrismaClient({
    adapter: new PrismaPg({ connectionString: serverUrl(), max: 1, connectionTimeoutMillis: 200 }),
  });
  await client.$queryRaw`SELECT 1`;
  const held = Promise.resolve(client.$queryRaw`SELECT pg_sleep(1)::text`);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const errors = [
    await caught(() => client.$queryRaw`SELECT 1`),
    await caught(() => client.$transaction(async (tx) => tx.$queryRaw`SELECT 1`)),
  ];
  await held;
  await client.$disconnect();
  for (const error of errors) {
    assert.equal(databaseFailureOf(error), "busy", String(error));
    assert.equal(isDatabaseUnavailable(error), true);
    const mapped = asDatabaseUnavailable(error);
    assert.equal(mapped?.code, "database_busy");
    assert.equal(mapped?.status, 503);
    assert.equal(asDatabaseUnavailable(mapped), mapped, "an AppError for it stays itself");
  }
});
