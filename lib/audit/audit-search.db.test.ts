/** Domain tests: audit search by free text (trigram index), by person and by app. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { CLI_ACTOR } from "@/lib/access/actor";
import { AUDIT_SEARCH_TEXT_SQL, searchAudit, searchAuditForAdmin } from "@/lib/audit/audit-search";
import type { UserDto } from "@/lib/users/data";
import { createUser } from "@/lib/users/mutations";
import { useDomainDatabase } from "@/tests/helpers/domain-database";
import { seedBuild } from "@/tests/helpers/seed-builds";

let db: Awaited<ReturnType<typeof useDomainDatabase>>;
let admin: UserDto;
let member: UserDto;

before(async () => {
  db = await useDomainDatabase();
  admin = await createUser({ email: "admin@example.com", role: "admin" }, CLI_ACTOR);
  member = await createUser({ email: "Someone.Else@example.com", role: "member" }, CLI_ACTOR);
});
after(async () => db?.cleanup());

async function event(values: {
  action: string;
  actor?: UserDto | null;
  appId?: string | null;
  targetId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
}) {
  await db.query(
    `INSERT INTO audit_events (action, actor_id, actor_email, app_id, target_type, target_id, ip, user_agent, details)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '{}')`,
    [
      values.action,
      values.actor?.id ?? null,
      values.actor?.email ?? null,
      values.appId ?? null,
      values.targetId ? "user" : null,
      values.targetId ?? null,
      values.ip ?? null,
      values.userAgent ?? null,
    ],
  );
}

describe("audit search", () => {
  it("matches actor, action, IP, user agent and target case-insensitively, LIKE characters literally", async () => {
    await db.query("DELETE FROM audit_events");
    await event({
      action: "manifest.fetch",
      actor: member,
      ip: "10.1.2.3",
      userAgent: "com.apple.itunesstored/1.0 iOS/17.5",
    });
    await event({ action: "ipa.download", actor: admin, userAgent: "Mozilla/5.0 100%_sure" });
    await event({ action: "user.disable", actor: admin, targetId: member.id });
    const actions = async (query: string) => (await searchAudit(admin, { query })).map((e) => e.action).sort();
    assert.deepEqual(await actions("ITUNESSTORED"), ["manifest.fetch"]);
    assert.deepEqual(await actions("someone.else@"), ["manifest.fetch"]);
    assert.deepEqual(await actions("10.1.2"), ["manifest.fetch"]);
    assert.deepEqual(await actions("17.5"), ["manifest.fetch"], "one dot: free text (the user agent)");
    assert.deepEqual(await actions("1.2.3"), [], "an IP-shaped query matches the start of the IP");
    assert.deepEqual(await actions("ipa.down"), ["ipa.download"]);
    assert.deepEqual(await actions(member.id), ["user.disable"]);
    assert.deepEqual(await actions("100%_"), ["ipa.download"]);
    assert.deepEqual(await actions("100_%"), [], "% and _ are not wildcards");
    assert.deepEqual(await actions("nothing like this"), []);
  });

  it("by person: what they did and what was done to them; by app: that app's events", async () => {
    await db.query("DELETE FROM audit_events");
    const build = await seedBuild(db.dataDir, { bundleId: "com.example.audit", label: "1", uploadedById: admin.id });
    await event({ action: "manifest.fetch", actor: member, appId: build.appId });
    await event({ action: "user.update", actor: admin, targetId: member.id });
    await event({ action: "ipa.download", actor: admin, appId: build.appId });
    await event({ action: "sign_in.success", actor: admin });
    const byPerson = await searchAuditForAdmin(admin, { query: member.email.toLowerCase(), limit: 10 });
    assert.deepEqual(byPerson.map((e) => e.action).sort(), ["manifest.fetch", "user.update"]);
    const byApp = await searchAuditForAdmin(admin, { appId: build.appId, limit: 10 });
    assert.deepEqual(byApp.map((e) => e.action).sort(), ["ipa.download", "manifest.fetch"]);
    assert.equal(byApp[0]?.appName, "com.example.audit");
    // Newest first, paged by id.
    const all = await searchAudit(admin, { limit: 10 });
    const older = await searchAudit(admin, { before: BigInt(all[1]?.id ?? "0"), limit: 10 });
    assert.deepEqual(
      older.map((e) => e.id),
      all.slice(2).map((e) => e.id),
    );
  });

  it("the searched text is exactly the trigram index's expression (else every search scans the table)", async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query("SET enable_seqscan = off");
      const plan = await client.query<{ "QUERY PLAN": string }>(
        `EXPLAIN SELECT id FROM audit_events WHERE ${AUDIT_SEARCH_TEXT_SQL} ILIKE '%itunesstored%'`,
      );
      const text = plan.rows.map((r) => r["QUERY PLAN"]).join("\n");
      assert.match(text, /audit_events_search_trgm_idx/, text);
    } finally {
      await client.end();
    }
  });
});
