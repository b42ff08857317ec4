/** Domain tests: keyset pages walk every row exactly once, in order, with ties on the sort key. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CLI_ACTOR } from "@/lib/access/actor";
import { listAppAccessPage, listAppsPageFor } from "@/lib/apps/data";
import { listBuildsPageFor } from "@/lib/builds/data";
import { listAllDevicesPage } from "@/lib/devices/data";
import { AppError } from "@/lib/errors";
import { encodeCursor, type Page, type PageQuery, pageQueryFrom } from "@/lib/http/pagination";
import type { UserDto } from "@/lib/users/data";
import { listUsersPage } from "@/lib/users/data";
import { createUser } from "@/lib/users/mutations";
import { listDeliveriesPageForApp } from "@/lib/webhooks/data";
import { useDomainDatabase } from "@/tests/helpers/domain-database";
import { seedBuild } from "@/tests/helpers/seed-builds";

let db: Awaited<ReturnType<typeof useDomainDatabase>>;
let admin: UserDto;
const TIE = "2026-03-01T10:00:00.000Z";

before(async () => {
  db = await useDomainDatabase();
  admin = await createUser({ email: "admin@example.com", role: "admin" }, CLI_ACTOR);
});
after(async () => db?.cleanup());

/** Every page from the first, `limit` rows each: the ids in page order, and how many pages. */
async function walk<T extends { id: string }>(
  list: (page: PageQuery) => Promise<Page<T>>,
  limit: number,
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await list({ limit, cursor });
    assert.ok(page.items.length <= limit);
    ids.push(...page.items.map((item) => item.id));
    cursor = page.nextCursor ?? undefined;
    pages++;
    assert.ok(pages < 100, "the walk ends");
  } while (cursor);
  return { ids, pages };
}

describe("keyset pagination", () => {
  it("builds: every build once, newest first, with five sharing one created_at", async () => {
    const builds = [];
    for (let i = 0; i < 9; i++) {
      builds.push(
        await seedBuild(db.dataDir, { bundleId: "com.example.pages", label: `${i}`, uploadedById: admin.id }),
      );
    }
    const appId = builds[0]?.appId ?? "";
    // Five builds at the same instant, the rest around it.
    await db.query("UPDATE builds SET created_at = $1 WHERE id = ANY($2::uuid[])", [
      TIE,
      builds.slice(2, 7).map((b) => b.id),
    ]);
    const expected = (
      await db.query<{ id: string }>(
        "SELECT id::text FROM builds WHERE app_id = $1 ORDER BY created_at DESC, id DESC",
        [appId],
      )
    ).map((r) => r.id);
    for (const limit of [1, 2, 3, 4, 9, 10]) {
      const { ids, pages } = await walk((page) => listBuildsPageFor(admin, appId, page), limit);
      assert.deepEqual(ids, expected, `limit ${limit}`);
      assert.equal(pages, Math.max(1, Math.ceil(expected.length / limit)), `pages at limit ${limit}`);
    }
  });

  it("apps, devices, users and webhook deliveries: every row once with ties", async () => {
    for (let i = 0; i < 4; i++) {
      await seedBuild(db.dataDir, { bundleId: `com.example.app${i}`, label: "1", uploadedById: admin.id });
    }
    await db.query("UPDATE apps SET updated_at = $1", [TIE]);
    const apps = await walk((page) => listAppsPageFor(admin, page), 2);
    assert.equal(new Set(apps.ids).size, apps.ids.length);
    assert.equal(apps.ids.length, Number((await db.query<{ n: string }>("SELECT count(*) AS n FROM apps"))[0]?.n));
    // The admin's Apps page: by name, two apps sharing one.
    await db.query("UPDATE apps SET name = 'Same' WHERE bundle_id IN ('com.example.app1', 'com.example.app2')");
    const byName = await walk((page) => listAppAccessPage(admin, page), 2);
    const expectedByName = (await db.query<{ id: string }>("SELECT id::text FROM apps ORDER BY name, id")).map(
      (r) => r.id,
    );
    assert.deepEqual(byName.ids, expectedByName);

    const people: UserDto[] = [];
    for (let i = 0; i < 7; i++)
      people.push(await createUser({ email: `u${i}@example.com`, role: "member" }, CLI_ACTOR));
    // Two disabled at the same instant: they come last, by email.
    await db.query("UPDATE users SET disabled_at = $1 WHERE email IN ('u1@example.com', 'u4@example.com')", [TIE]);
    const users = await walk((page) => listUsersPage(admin, page), 3);
    const expectedUsers = (
      await db.query<{ id: string }>("SELECT id::text FROM users ORDER BY disabled_at ASC NULLS FIRST, email ASC")
    ).map((r) => r.id);
    assert.deepEqual(users.ids, expectedUsers);
    const first = await listUsersPage(admin, { limit: 3 });
    assert.equal(first.total, expectedUsers.length);
    assert.equal(first.active, expectedUsers.length - 2);

    const owner = people[0];
    assert.ok(owner);
    for (let i = 0; i < 6; i++) {
      await db.query(
        `INSERT INTO devices (id, user_id, udid, name, model, os_version, source, created_at, updated_at)
         VALUES (gen_random_uuid(), $1, $2, 'Phone', 'iPhone15,2', '18.0', 'import', $3, now())`,
        [owner.id, `00008030-00000000000000${i}${i}`, i < 4 ? TIE : new Date()],
      );
    }
    const devices = await walk((page) => listAllDevicesPage(admin, page), 4);
    const expectedDevices = (
      await db.query<{ id: string }>("SELECT id::text FROM devices ORDER BY created_at DESC, id DESC")
    ).map((r) => r.id);
    assert.deepEqual(devices.ids, expectedDevices);
    assert.equal(devices.pages, 2);

    const appId = (await db.query<{ id: string }>("SELECT id::text FROM apps LIMIT 1"))[0]?.id ?? "";
    const [hook] = await db.query<{ id: string }>(
      `INSERT INTO webhooks (app_id, url, secret, events) VALUES ($1, 'https://example.com/h', 's', '{build.uploaded}') RETURNING id::text`,
      [appId],
    );
    for (let i = 0; i < 5; i++) {
      await db.query(
        `INSERT INTO webhook_deliveries (webhook_id, event, payload, status, created_at) VALUES ($1, 'build.uploaded', '{}', 'delivered', $2)`,
        [hook?.id, TIE],
      );
    }
    const deliveries = await walk((page) => listDeliveriesPageForApp(admin, appId, page), 2);
    assert.equal(deliveries.ids.length, 5);
    assert.equal(new Set(deliveries.ids).size, 5);
  });

  it("refuses a bad limit or a cursor Ferry did not give, with a 400", async () => {
    const bad = (e: unknown) => e instanceof AppError && e.code === "bad_request";
    assert.throws(() => pageQueryFrom("https://ferry.test/api/v1/apps?limit=0"), bad);
    assert.throws(() => pageQueryFrom("https://ferry.test/api/v1/apps?limit=201"), bad);
    assert.throws(() => pageQueryFrom("https://ferry.test/api/v1/apps?limit=two"), bad);
    assert.equal(pageQueryFrom("https://ferry.test/api/v1/apps").limit, 50);
    await assert.rejects(listAppsPageFor(admin, { limit: 5, cursor: "not-a-cursor" }), bad);
    await assert.rejects(listAppsPageFor(admin, { limit: 5, cursor: encodeCursor(["yesterday", "x"]) }), bad);
    await assert.rejects(listUsersPage(admin, { limit: 5, cursor: encodeCursor(["only one"]) }), bad);
  });
});
