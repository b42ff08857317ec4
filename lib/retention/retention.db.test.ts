/** Domain tests: retention keeps the newest N per channel and never a channel's newest. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CLI_ACTOR, userActor } from "@/lib/access/actor";
import { setAppRetention } from "@/lib/apps/mutations";
import { listBuildsFor } from "@/lib/builds/data";
import { promoteBuild } from "@/lib/channels/mutations";
import { AppError } from "@/lib/errors";
import { applyRetention, previewRetention, previewRetentionFor } from "@/lib/retention/retention";
import type { UserDto } from "@/lib/users/data";
import { createUser } from "@/lib/users/mutations";
import { useDomainDatabase } from "@/tests/helpers/domain-database";
import { seedBuild, storedFilesExist } from "@/tests/helpers/seed-builds";

let db: Awaited<ReturnType<typeof useDomainDatabase>>;
let adminUser: UserDto;
let member: UserDto;
const context = { ip: null, userAgent: null };

before(async () => {
  db = await useDomainDatabase();
  adminUser = await createUser({ email: "admin@example.com", role: "admin" }, CLI_ACTOR);
  member = await createUser({ email: "member@example.com", role: "member" }, CLI_ACTOR);
});
after(async () => db?.cleanup());

describe("retention", () => {
  it("keeps the newest N of each channel, never a channel's newest, previews exactly what it deletes", async () => {
    const app = "com.example.retain";
    const seed = (label: string, channel: string) =>
      seedBuild(db.dataDir, { bundleId: app, label, uploadedById: adminUser.id, channel });
    // production's newest is old: three beta builds are uploaded after it.
    const prod1 = await seed("p1", "production");
    const prod2 = await seed("p2", "production");
    const beta1 = await seed("b1", "beta");
    const beta2 = await seed("b2", "beta");
    const beta3 = await seed("b3", "beta");
    const appId = prod1.appId;
    // beta1 is also in qa, where it is the newest: it must stay.
    await promoteBuild({ buildId: beta1.id, channel: "qa" }, CLI_ACTOR);

    assert.deepEqual(await previewRetention(appId), [], "no setting: nothing goes");
    await setAppRetention({ appId, keepPerChannel: 1 }, CLI_ACTOR);
    const preview = await previewRetentionFor({ appId }, CLI_ACTOR);
    assert.deepEqual(preview.map((b) => b.id).sort(), [prod1.id, beta2.id].sort());
    assert.deepEqual(
      (await previewRetention(appId, 2)).map((b) => b.id),
      [],
      "keeping 2: prod1 and beta2 are each within their channel's newest 2",
    );
    await assert.rejects(
      previewRetentionFor({ appId }, userActor(member, context)),
      (e) => e instanceof AppError && e.code === "forbidden",
    );

    assert.equal(await applyRetention(), 2);
    const left = (await listBuildsFor(adminUser, appId)).map((b) => b.id).sort();
    assert.deepEqual(left, [prod2.id, beta1.id, beta3.id].sort());
    assert.deepEqual(storedFilesExist(db.dataDir, prod1.sha256), { ipa: false, icons: false });
    assert.deepEqual(storedFilesExist(db.dataDir, prod2.sha256), { ipa: true, icons: true });
    const audit = await db.query<{ details: { reason: string; via: string } }>(
      "SELECT details FROM audit_events WHERE action = 'build.delete' AND app_id = $1",
      [appId],
    );
    assert.deepEqual(
      audit.map((r) => [r.details.reason, r.details.via]),
      [
        ["retention", "system"],
        ["retention", "system"],
      ],
    );
    assert.equal(await applyRetention(), 0, "idempotent");
  });

  it("a preview refuses a keep that is not a whole number from 1 to 10,000, with the rule in words", async () => {
    const seeded = await seedBuild(db.dataDir, {
      bundleId: "com.example.keep",
      label: "k1",
      uploadedById: adminUser.id,
      channel: "beta",
    });
    const cases: [number, RegExp][] = [
      [1.5, /whole number/],
      [Number.NaN, /whole number/],
      [Number.POSITIVE_INFINITY, /whole number/],
      [-1, /at least 1/],
      [0, /at least 1/],
      [10_001, /at most 10,000/],
    ];
    for (const [keep, sentence] of cases) {
      await assert.rejects(
        previewRetentionFor({ appId: seeded.appId, keep }, CLI_ACTOR),
        (e) => e instanceof AppError && e.code === "bad_request" && sentence.test(e.message),
        `keep ${keep}`,
      );
      // The internal entry point (used by apply) holds the same rule.
      await assert.rejects(
        previewRetention(seeded.appId, keep),
        (e) => e instanceof AppError && e.code === "bad_request",
        `previewRetention keep ${keep}`,
      );
    }
    assert.deepEqual(await previewRetentionFor({ appId: seeded.appId, keep: 1 }, CLI_ACTOR), []);
  });

  it("a second instance skips the round while one holds the retention lock", async () => {
    const pg = await import("pg");
    const client = new pg.default.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query("BEGIN");
      await client.query("SELECT pg_advisory_xact_lock(hashtext('ferry:retention'))");
      assert.equal(await applyRetention(), null);
      await client.query("COMMIT");
      assert.equal(await applyRetention(), 0);
    } finally {
      await client.end();
    }
  });
});
