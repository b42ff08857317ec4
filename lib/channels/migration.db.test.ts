/** The channels migration on a database that already holds apps and builds: each gets its default channel. */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import pg from "pg";
import { createTestDatabase } from "@/tests/helpers/test-database";

const MIGRATIONS = path.resolve(import.meta.dirname, "../../prisma/migrations");
const CHANNELS = "20261129300000_channels";

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let client: pg.Client;

before(async () => {
  db = await createTestDatabase();
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});
after(async () => {
  await client?.end();
  await db?.drop();
});

test("existing builds land in their app's default channel, keeping their upload time", async () => {
  const earlier = fs
    .readdirSync(MIGRATIONS)
    .filter((name) => /^\d{14}_/.test(name) && name < CHANNELS)
    .sort();
  for (const name of earlier) await client.query(fs.readFileSync(path.join(MIGRATIONS, name, "migration.sql"), "utf8"));
  await client.query(`
    INSERT INTO apps (id, bundle_id, name, updated_at) VALUES
      ('00000000-0000-4000-8000-000000000001', 'com.example.a', 'A', now()),
      ('00000000-0000-4000-8000-000000000002', 'com.example.b', 'B', now());
    INSERT INTO builds (id, app_id, bundle_id, version, build_number, name, size_bytes, sha256, storage_key, created_at) VALUES
      ('00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-000000000001', 'com.example.a', '1', '1', 'A', 1, 'x1', 'k1', '2026-01-01'),
      ('00000000-0000-4000-8000-0000000000a2', '00000000-0000-4000-8000-000000000001', 'com.example.a', '1', '2', 'A', 1, 'x2', 'k2', '2026-02-01');`);
  await client.query(fs.readFileSync(path.join(MIGRATIONS, CHANNELS, "migration.sql"), "utf8"));
  const channels = await client.query(
    "SELECT a.bundle_id, c.name, c.is_default, c.restricted FROM channels c JOIN apps a ON a.id = c.app_id ORDER BY a.bundle_id",
  );
  assert.deepEqual(channels.rows, [
    { bundle_id: "com.example.a", name: "default", is_default: true, restricted: false },
    { bundle_id: "com.example.b", name: "default", is_default: true, restricted: false },
  ]);
  const memberships = await client.query(
    "SELECT bc.build_id::text, bc.added_at = b.created_at AS same_time FROM build_channels bc JOIN builds b ON b.id = bc.build_id ORDER BY b.created_at",
  );
  assert.deepEqual(memberships.rows, [
    { build_id: "00000000-0000-4000-8000-0000000000a1", same_time: true },
    { build_id: "00000000-0000-4000-8000-0000000000a2", same_time: true },
  ]);
});
