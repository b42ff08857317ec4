/**
 * Domain test: the apps list's newest build per app is the newest the reader
 * sees, against a real database, also when the app's newest builds are all in
 * a channel hidden from them (buildSummariesFor tries the 20 newest first).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { CLI_ACTOR } from "@/lib/access/actor";
import { listAppsPageFor } from "@/lib/apps/data";
import { createUser } from "@/lib/users/mutations";
import { useDomainDatabase } from "@/tests/helpers/domain-database";
import { seedBuild } from "@/tests/helpers/seed-builds";

let db: Awaited<ReturnType<typeof useDomainDatabase>>;

before(async () => {
  db = await useDomainDatabase();
});
after(async () => db?.cleanup());

test("the newest build is the newest the reader sees, past the app's 20 newest when those are hidden", async () => {
  const admin = await createUser({ email: "admin@example.com", role: "admin" }, CLI_ACTOR);
  const member = await createUser({ email: "member@example.com", role: "member" }, CLI_ACTOR);
  const bundleId = "com.example.hidden-newest";
  const builds = [];
  // 4 builds in the default channel, then 21 newer ones in a channel only the Insiders group sees.
  for (let n = 1; n <= 25; n++) {
    const build = await seedBuild(db.dataDir, {
      bundleId,
      label: String(n),
      uploadedById: admin.id,
      channel: n <= 4 ? "default" : "insiders",
    });
    await db.query(
      "UPDATE builds SET created_at = timestamptz '2026-01-01 00:00Z' + $2 * interval '1 hour' WHERE id = $1",
      [build.id, n],
    );
    builds.push(build);
  }
  const appId = builds[0]!.appId;
  await db.query("UPDATE apps SET visibility = 'everyone' WHERE id = $1", [appId]);
  const [group] = await db.query<{ id: string }>(
    "INSERT INTO groups (id, name) VALUES (gen_random_uuid(), 'Insiders') RETURNING id",
  );
  await db.query("UPDATE channels SET restricted = true WHERE app_id = $1 AND name = 'insiders'", [appId]);
  await db.query(
    "INSERT INTO channel_groups (channel_id, group_id) SELECT id, $2 FROM channels WHERE app_id = $1 AND name = 'insiders'",
    [appId, group!.id],
  );
  const seen = async (user: typeof admin) => {
    const app = (await listAppsPageFor(user, { limit: 10 })).items.find((a) => a.id === appId);
    return { count: app?.buildCount, latest: app?.latest?.id };
  };

  assert.deepEqual(await seen(member), { count: 4, latest: builds[3]!.id }, "the 21 newest are hidden: build 4");
  assert.deepEqual(await seen(admin), { count: 25, latest: builds[24]!.id });
  await db.query("INSERT INTO group_members (group_id, user_id) VALUES ($1, $2)", [group!.id, member.id]);
  assert.deepEqual(await seen(member), { count: 25, latest: builds[24]!.id }, "in the group: the newest");
});
