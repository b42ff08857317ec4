/** Domain test: bytes stored per app and in total, against a real database (the admin Apps page's figures). */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { CLI_ACTOR } from "@/lib/access/actor";
import { storageUsage } from "@/lib/apps/data";
import { createUser } from "@/lib/users/mutations";
import { useDomainDatabase } from "@/tests/helpers/domain-database";
import { seedBuild } from "@/tests/helpers/seed-builds";

let db: Awaited<ReturnType<typeof useDomainDatabase>>;

before(async () => {
  db = await useDomainDatabase();
});
after(async () => db?.cleanup());

test("an app's bytes are its builds' sum; the total counts a file two apps hold once", async () => {
  const admin = await createUser({ email: "admin@example.com", role: "admin" }, CLI_ACTOR);
  const seed = (bundleId: string, label: string) => seedBuild(db.dataDir, { bundleId, label, uploadedById: admin.id });
  const a1 = await seed("com.example.a", "1");
  const a2 = await seed("com.example.a", "2");
  const b1 = await seed("com.example.b", "1");
  const c1 = await seed("com.example.c", "1");
  // The same file uploaded to two apps: one stored object, counted in each app and once in the total.
  await db.query("UPDATE builds SET sha256 = $2, size_bytes = 5000 WHERE id = $1", [b1.id, "f".repeat(64)]);
  await db.query("UPDATE builds SET sha256 = $2, size_bytes = 5000 WHERE id = $1", [c1.id, "f".repeat(64)]);
  await db.query("UPDATE builds SET size_bytes = 100 WHERE id = $1", [a1.id]);
  await db.query("UPDATE builds SET size_bytes = 200 WHERE id = $1", [a2.id]);

  const usage = await storageUsage([a1.appId, b1.appId, "not-a-uuid"]);
  assert.equal(usage.perApp.get(a1.appId), 300);
  assert.equal(usage.perApp.get(b1.appId), 5000);
  assert.equal(usage.perApp.has(c1.appId), false, "only the apps asked for");
  assert.equal(usage.totalBytes, 100 + 200 + 5000);
  assert.equal((await storageUsage([])).totalBytes, 5300);
});
