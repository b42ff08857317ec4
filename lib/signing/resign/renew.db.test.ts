/**
 * Domain tests, real PostgreSQL: which builds "Renew N builds" re-signs (the
 * newest build of each channel whose embedded profile is the one about to
 * expire, and only those), who may ask, which newer profiles may replace it,
 * and that renewing queues one audited job per build, or nothing when refused.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CLI_ACTOR, userActor } from "@/lib/access/actor";
import { AppError } from "@/lib/errors";
import { getSigningProfile } from "@/lib/signing/profiles/data";
import {
  listRenewableBuilds,
  type RenewableBuild,
  renewableBuildCounts,
  renewalRefusal,
  renewProfileBuilds,
} from "@/lib/signing/resign/renew";
import { renewOffers } from "@/lib/signing/resign/renew-options";
import type { UserDto } from "@/lib/users/data";
import { createUser } from "@/lib/users/mutations";
import { useDomainDatabase } from "@/tests/helpers/domain-database";
import { seedBuild } from "@/tests/helpers/seed-builds";

let db: Awaited<ReturnType<typeof useDomainDatabase>>;
let admin: UserDto;
let uploader: UserDto;
const context = { ip: null, userAgent: null };
const isCode = (code: string) => (error: unknown) => {
  assert.ok(error instanceof AppError, String(error));
  assert.equal(error.code, code, error.message);
  return true;
};
const OLD = "01d00000-0000-4000-8000-000000000001";
const OTHER = "07e00000-0000-4000-8000-000000000002";
const ids: Record<string, string> = {};

async function profileRow(name: string, uuid: string, team: string, appId: string, inDays: number) {
  const [row] = await db.query<{ id: string }>(
    `INSERT INTO signing_profiles (id, uuid, name, type, team_id, app_id_pattern, certificate_fingerprints, devices,
                                   not_after, data)
     VALUES (gen_random_uuid(), $1, $2, 'enterprise', $3, $4, '{AB}', '{}', now() + make_interval(days => $5), '\\x00')
     RETURNING id`,
    [uuid, name, team, appId, inDays],
  );
  return row?.id ?? "";
}

/** A build with `uuid` as its embedded profile, added to `channel` at minute `at` (explicit: no ties). */
async function build(label: string, bundleId: string, uuid: string | null, channel: string, at: number) {
  const made = await seedBuild(db.dataDir, { bundleId, label, uploadedById: admin.id, channel });
  await db.query(`UPDATE builds SET metadata = $1::jsonb WHERE id = $2`, [
    JSON.stringify(uuid ? { profile: { uuid } } : {}),
    made.id,
  ]);
  await db.query(
    "UPDATE build_channels SET added_at = timestamptz '2026-01-01' + make_interval(mins => $1) WHERE build_id = $2",
    [at, made.id],
  );
  ids[label] = made.id;
  return made.id;
}

/** Adds an existing build to another channel of its app at minute `at`. */
async function addTo(buildId: string, channel: string, at: number) {
  await db.query(
    `INSERT INTO channels (id, app_id, name) SELECT gen_random_uuid(), app_id, $2 FROM builds WHERE id = $1
     ON CONFLICT (app_id, name) DO NOTHING`,
    [buildId, channel],
  );
  await db.query(
    `INSERT INTO build_channels (build_id, channel_id, added_at)
     SELECT b.id, c.id, timestamptz '2026-01-01' + make_interval(mins => $3)
     FROM builds b JOIN channels c ON c.app_id = b.app_id AND c.name = $2 WHERE b.id = $1`,
    [buildId, channel, at],
  );
}

before(async () => {
  db = await useDomainDatabase();
  admin = await createUser({ email: "admin@example.com", role: "admin" }, CLI_ACTOR);
  uploader = await createUser({ email: "uploader@example.com", role: "uploader" }, CLI_ACTOR);
  // App A: a1 heads default and qa; beta's newest (a3) embeds another profile, so a2 behind it is not renewed.
  await build("a1", "com.example.a", OLD, "default", 1);
  await build("a2", "com.example.a", OLD, "beta", 2);
  await build("a3", "com.example.a", OTHER, "beta", 3);
  await addTo(ids.a1 ?? "", "qa", 4);
  // App B: an older build with the profile, then a newer one without: nothing of B is renewed.
  await build("b1", "com.example.b", OLD, "default", 5);
  await build("b2", "com.example.b", null, "default", 6);
  // App C: its only build embeds the profile.
  await build("c1", "com.example.c", OLD, "default", 7);
  ids.old = await profileRow("Old", OLD, "TEAM000001", "com.example.*", 10);
  ids.other = await profileRow("Other", OTHER, "TEAM000001", "com.example.*", 400);
  ids.newer = await profileRow("Newer", "fe000000-0000-4000-8000-000000000003", "TEAM000001", "com.example.*", 700);
  ids.shorter = await profileRow("Shorter", "5e000000-0000-4000-8000-000000000004", "TEAM000001", "com.example.*", 5);
  ids.team = await profileRow("Team", "7e000000-0000-4000-8000-000000000005", "TEAM000002", "com.example.*", 700);
  ids.narrow = await profileRow("Narrow", "4a000000-0000-4000-8000-000000000006", "TEAM000001", "com.example.a", 700);
  const [identity] = await db.query<{ id: string }>(
    `INSERT INTO signing_identities (id, common_name, team_id, serial, not_after, fingerprint, certificate, encrypted_key)
     VALUES (gen_random_uuid(), 'Apple Distribution: Test (TEAM000001)', 'TEAM000001', '01',
             now() + interval '1 year', 'AB', '\\x00', '\\x00')
     RETURNING id`,
  );
  ids.identity = identity?.id ?? "";
});
after(async () => {
  await db?.cleanup();
});

describe("renewing the builds of a profile about to expire", () => {
  const asAdmin = () => userActor(admin, context);
  const summary = (builds: RenewableBuild[]) => builds.map((b) => `${b.version}: ${b.channels.join(",")}`).sort();

  it("selects the newest build of each channel whose embedded profile it is, and only those", async () => {
    assert.deepEqual(summary(await listRenewableBuilds(asAdmin(), ids.old ?? "")), ["a1: default,qa", "c1: default"]);
    assert.deepEqual(summary(await listRenewableBuilds(asAdmin(), ids.other ?? "")), ["a3: beta"]);
    assert.deepEqual(await listRenewableBuilds(asAdmin(), ids.newer ?? ""), []);
    const profiles = await Promise.all(
      ["old", "other", "newer"].map((k) => getSigningProfile(asAdmin(), ids[k] ?? "")),
    );
    const counts = await renewableBuildCounts(asAdmin(), profiles);
    assert.deepEqual(
      ["old", "other", "newer"].map((k) => counts.get(ids[k] ?? "")),
      [2, 1, 0],
    );
  });

  it("is for admins only", async () => {
    await assert.rejects(listRenewableBuilds(userActor(uploader, context), ids.old ?? ""), isCode("forbidden"));
    await assert.rejects(
      renewProfileBuilds(
        { oldProfileId: ids.old ?? "", profileId: ids.newer ?? "", identityId: ids.identity ?? "" },
        userActor(uploader, context),
      ),
      isCode("forbidden"),
    );
  });

  it("offers only newer profiles of the same team covering the apps; Admin → Signing lists the expiring one", async () => {
    const old = await getSigningProfile(asAdmin(), ids.old ?? "");
    const builds = await listRenewableBuilds(asAdmin(), old.id);
    const refusal = async (key: string) =>
      renewalRefusal(old, await getSigningProfile(asAdmin(), ids[key] ?? ""), builds)?.code ?? null;
    assert.equal(await refusal("newer"), null);
    assert.equal(await refusal("other"), null);
    assert.equal(await refusal("shorter"), "signing_profile_not_newer");
    assert.equal(await refusal("old"), "signing_profile_not_newer");
    assert.equal(await refusal("team"), "signing_profile_team_mismatch");
    assert.equal(await refusal("narrow"), "signing_profile_app_id_mismatch");
    const offers = await renewOffers(asAdmin());
    assert.deepEqual(
      offers.map((o) => [o.profile.name, o.builds.length, o.profiles.map((p) => p.label.split(":")[0]).sort()]),
      [["Old", 2, ["Newer", "Other"]]],
    );
    assert.deepEqual(
      offers[0]?.identities.map((i) => i.id),
      [ids.identity],
    );
  });

  it("a refused renewal queues nothing; an accepted one queues one audited job per build, into its channels", async () => {
    const count = async (sql: string) => Number((await db.query<{ n: string }>(sql))[0]?.n ?? 0);
    for (const [key, code] of [
      ["shorter", "signing_profile_not_newer"],
      ["team", "signing_profile_team_mismatch"],
      ["narrow", "signing_profile_app_id_mismatch"],
    ] as const) {
      await assert.rejects(
        renewProfileBuilds(
          { oldProfileId: ids.old ?? "", profileId: ids[key] ?? "", identityId: ids.identity ?? "" },
          asAdmin(),
        ),
        isCode(code),
      );
    }
    assert.equal(await count("SELECT count(*) AS n FROM jobs"), 0);
    const queued = await renewProfileBuilds(
      { oldProfileId: ids.old ?? "", profileId: ids.newer ?? "", identityId: ids.identity ?? "" },
      asAdmin(),
    );
    assert.deepEqual(
      queued.map((q) => [q.buildId, q.channels]).sort(),
      [
        [ids.a1, ["default", "qa"]],
        [ids.c1, ["default"]],
      ].sort(),
    );
    const jobs = await db.query<{ payload: { buildId: string; profileId: string; channels: string[] } }>(
      "SELECT payload FROM jobs ORDER BY created_at",
    );
    assert.equal(jobs.length, 2);
    for (const { payload } of jobs) assert.equal(payload.profileId, ids.newer);
    assert.equal(await count("SELECT count(*) AS n FROM audit_events WHERE action = 'build.resign'"), 2);
    const [renew] = await db.query<{ target_id: string; details: { jobs: string[] } }>(
      "SELECT target_id, details FROM audit_events WHERE action = 'signing_profile.renew'",
    );
    assert.equal(renew?.target_id, ids.old);
    assert.deepEqual(renew?.details.jobs.sort(), queued.map((q) => q.job.id).sort());
  });
});
