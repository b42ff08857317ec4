import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { applyMigrations, MIGRATIONS_DIR } from "@/lib/db/migrate";
import { createTestDatabase, queryDatabase } from "@/tests/helpers/test-database";

test("every migration applies once, recorded the way Prisma records it", async () => {
  const db = await createTestDatabase();
  try {
    const applied = await applyMigrations(db.url);
    const expected = fs
      .readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    assert.deepEqual(applied, expected);
    assert.deepEqual(await applyMigrations(db.url), [], "a second run applies nothing");
    const rows = await queryDatabase<{ migration_name: string; checksum: string; applied_steps_count: number }>(
      db.url,
      `SELECT migration_name, checksum, applied_steps_count FROM "_prisma_migrations" WHERE finished_at IS NOT NULL ORDER BY migration_name`,
    );
    assert.deepEqual(
      rows.map((r) => r.migration_name),
      expected,
    );
    for (const row of rows) assert.match(row.checksum, /^[0-9a-f]{64}$/);
    const tables = await queryDatabase<{ table_name: string }>(
      db.url,
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );
    for (const t of ["apps", "builds", "users", "api_tokens"])
      assert.ok(
        tables.some((r) => r.table_name === t),
        t,
      );
  } finally {
    await db.drop();
  }
});

test("instances starting at once apply each migration exactly once", async () => {
  const db = await createTestDatabase();
  try {
    const results = await Promise.all(Array.from({ length: 5 }, () => applyMigrations(db.url)));
    const total = results.flat();
    const names = fs
      .readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    assert.equal(total.length, names.length, "each migration was applied by exactly one instance");
    const [row] = await queryDatabase<{ n: string }>(db.url, `SELECT count(*) AS n FROM "_prisma_migrations"`);
    assert.equal(Number(row!.n), names.length);
  } finally {
    await db.drop();
  }
});

test("a failing migration leaves nothing behind and stops later ones", async () => {
  const db = await createTestDatabase();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-migrations-"));
  try {
    fs.mkdirSync(path.join(dir, "001_ok"));
    fs.writeFileSync(path.join(dir, "001_ok", "migration.sql"), "CREATE TABLE a (id int);");
    fs.mkdirSync(path.join(dir, "002_bad"));
    fs.writeFileSync(
      path.join(dir, "002_bad", "migration.sql"),
      "CREATE TABLE b (id int); SELECT nonsense_column FROM a;",
    );
    fs.mkdirSync(path.join(dir, "003_later"));
    fs.writeFileSync(path.join(dir, "003_later", "migration.sql"), "CREATE TABLE c (id int);");
    await assert.rejects(applyMigrations(db.url, { dir }), /002_bad failed/);
    const tables = await queryDatabase<{ table_name: string }>(
      db.url,
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name IN ('a','b','c')",
    );
    assert.deepEqual(
      tables.map((t) => t.table_name),
      ["a"],
    );
    const recorded = await queryDatabase<{ migration_name: string }>(
      db.url,
      `SELECT migration_name FROM "_prisma_migrations"`,
    );
    assert.deepEqual(
      recorded.map((r) => r.migration_name),
      ["001_ok"],
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await db.drop();
  }
});
