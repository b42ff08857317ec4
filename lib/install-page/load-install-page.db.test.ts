/** Domain tests: the install pages' view rows (the install funnel's first step) against a real database. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { CLI_ACTOR, userActor } from "@/lib/access/actor";
import { setAppVisibility } from "@/lib/apps/mutations";
import { flushAuditQueue } from "@/lib/audit/audit-queue";
import type { BuildDto } from "@/lib/builds/data";
import { loadAppInstallPage, loadBuildInstallPage } from "@/lib/install-page/load-install-page";
import type { UserDto } from "@/lib/users/data";
import { createUser } from "@/lib/users/mutations";
import { useDomainDatabase } from "@/tests/helpers/domain-database";
import { seedBuild } from "@/tests/helpers/seed-builds";

let db: Awaited<ReturnType<typeof useDomainDatabase>>;
let admin: UserDto;
let employee: UserDto;
let build: BuildDto;
const request = { headers: new Headers({ "user-agent": "domain-test" }), deviceCookie: undefined };

before(async () => {
  db = await useDomainDatabase();
  admin = await createUser({ email: "admin@example.com", role: "admin" }, CLI_ACTOR);
  employee = await createUser({ email: "employee@example.com", role: "member" }, CLI_ACTOR);
  build = await seedBuild(db.dataDir, { bundleId: "com.example.views", label: "1", uploadedById: admin.id });
  await setAppVisibility(
    { appId: build.appId, visibility: "everyone" },
    userActor(admin, { ip: "203.0.113.9", userAgent: "domain-test" }),
  );
});
after(async () => db?.cleanup());

/** Runs `load` while another session holds a lock that blocks every write to audit_events; its time in ms, or null if it waited for the lock. */
async function whileAuditWritesBlocked(load: () => Promise<unknown>): Promise<number | null> {
  const locker = new pg.Client({ connectionString: db.url });
  await locker.connect();
  try {
    await locker.query("BEGIN");
    // EXCLUSIVE: reads go on, INSERTs wait.
    await locker.query("LOCK TABLE audit_events IN EXCLUSIVE MODE");
    const started = performance.now();
    const finished = await Promise.race([load().then(() => true), sleep(10_000).then(() => false)]);
    return finished ? performance.now() - started : null;
  } finally {
    await locker.query("ROLLBACK").catch(() => {});
    await locker.end();
  }
}

async function views(page: string): Promise<number> {
  await flushAuditQueue();
  const [row] = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM audit_events WHERE action = 'install_page.view' AND actor_id = $1 AND build_id = $2 AND details->>'page' = $3",
    [employee.id, build.id, page],
  );
  return row?.n ?? 0;
}

describe("install page views", () => {
  it("the app page answers without waiting for its view row's commit, and the row is written once after", {
    timeout: 60_000,
  }, async () => {
    const page = await whileAuditWritesBlocked(() => loadAppInstallPage(employee, build.appId, request));
    assert.notEqual(page, null, "the app page waited for the audit table");
    assert.equal(await views("app"), 1);
  });

  it("so does the build page", { timeout: 60_000 }, async () => {
    const page = await whileAuditWritesBlocked(() => loadBuildInstallPage(employee, build.appId, build.id, request));
    assert.notEqual(page, null, "the build page waited for the audit table");
    assert.equal(await views("build"), 1);
  });

  it("an admin's build page counts its own view in the funnel it shows", { timeout: 60_000 }, async () => {
    await flushAuditQueue();
    const [before] = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM audit_events WHERE action = 'install_page.view' AND build_id = $1",
      [build.id],
    );
    const page = await loadBuildInstallPage(admin, build.appId, build.id, request);
    assert.equal(page?.funnel?.views, (before?.n ?? 0) + 1);
  });
});
