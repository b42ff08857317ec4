/** Domain tests: channels (promotion, newest per channel, access by group) against a real database, no server. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Actor, CLI_ACTOR, userActor } from "@/lib/access/actor";
import { setAppVisibility } from "@/lib/apps/mutations";
import { getBuildByIdFor, listBuildsFor } from "@/lib/builds/data";
import { latestBuildInChannelFor, listChannelsFor } from "@/lib/channels/data";
import { promoteBuild, setChannelAccess } from "@/lib/channels/mutations";
import { AppError } from "@/lib/errors";
import { addGroupMember, createGroup } from "@/lib/groups/mutations";
import type { UserDto } from "@/lib/users/data";
import { createUser } from "@/lib/users/mutations";
import { useDomainDatabase } from "@/tests/helpers/domain-database";
import { seedBuild } from "@/tests/helpers/seed-builds";

let db: Awaited<ReturnType<typeof useDomainDatabase>>;
let adminUser: UserDto;
let admin: Actor;
let tester: UserDto;
let employee: UserDto;
const context = { ip: "203.0.113.9", userAgent: "domain-test" };
const rejectsWith = (code: string) => (error: unknown) => error instanceof AppError && error.code === code;

before(async () => {
  db = await useDomainDatabase();
  adminUser = await createUser({ email: "admin@example.com", role: "admin" }, CLI_ACTOR);
  admin = userActor(adminUser, context);
  tester = await createUser({ email: "tester@example.com", role: "member" }, CLI_ACTOR);
  employee = await createUser({ email: "employee@example.com", role: "member" }, CLI_ACTOR);
});
after(async () => db?.cleanup());

describe("channels", () => {
  it("an upload without a channel lands in the default channel; a named one is created on first use", async () => {
    const b1 = await seedBuild(db.dataDir, { bundleId: "com.example.ch", label: "1", uploadedById: adminUser.id });
    const b2 = await seedBuild(db.dataDir, {
      bundleId: "com.example.ch",
      label: "2",
      uploadedById: adminUser.id,
      channel: "Beta",
    });
    assert.deepEqual(b1.channels, ["default"]);
    assert.deepEqual(b2.channels, ["beta"]);
    const channels = await listChannelsFor(adminUser, b1.appId);
    assert.deepEqual(
      channels.map((c) => [c.name, c.isDefault, c.latest?.id]),
      [
        ["default", true, b1.id],
        ["beta", false, b2.id],
      ],
    );
  });

  it("latest moves on a newer upload, and promotion adds a build to another channel (audited)", async () => {
    const app = "com.example.latest";
    const first = await seedBuild(db.dataDir, {
      bundleId: app,
      label: "1",
      uploadedById: adminUser.id,
      channel: "beta",
    });
    assert.equal((await latestBuildInChannelFor(adminUser, first.appId, "beta")).build?.id, first.id);
    const second = await seedBuild(db.dataDir, {
      bundleId: app,
      label: "2",
      uploadedById: adminUser.id,
      channel: "beta",
    });
    assert.equal((await latestBuildInChannelFor(adminUser, first.appId, "beta")).build?.id, second.id);

    const empty = await latestBuildInChannelFor(adminUser, first.appId, "production");
    assert.equal(empty.channel, null);

    const promoted = await promoteBuild({ buildId: first.id, channel: "production" }, admin);
    assert.equal(promoted.changed, true);
    assert.equal((await latestBuildInChannelFor(adminUser, first.appId, "production")).build?.id, first.id);
    // Beta is unchanged by promoting into production.
    assert.equal((await latestBuildInChannelFor(adminUser, first.appId, "beta")).build?.id, second.id);
    const again = await promoteBuild({ buildId: first.id, channel: "production" }, admin);
    assert.equal(again.changed, false);

    const rows = await db.query<{ details: { channel: string } }>(
      "SELECT details FROM audit_events WHERE action = 'build.promote' AND build_id = $1",
      [first.id],
    );
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.details.channel, "production");
    const [build] = (await listBuildsFor(adminUser, first.appId)).filter((b) => b.id === first.id);
    assert.deepEqual(build?.channels, ["beta", "production"]);
  });

  it("promotion is refused to members and to bad channel names", async () => {
    const build = await seedBuild(db.dataDir, {
      bundleId: "com.example.refuse",
      label: "1",
      uploadedById: adminUser.id,
    });
    await setAppVisibility({ appId: build.appId, visibility: "everyone" }, admin);
    await assert.rejects(
      promoteBuild({ buildId: build.id, channel: "production" }, userActor(employee, context)),
      rejectsWith("forbidden"),
    );
    await assert.rejects(promoteBuild({ buildId: build.id, channel: "../etc" }, admin), rejectsWith("bad_request"));
  });

  it("a channel restricted to a group is seen only by its members (and admins); others still see the rest", async () => {
    const app = "com.example.restricted";
    const prod = await seedBuild(db.dataDir, {
      bundleId: app,
      label: "1",
      uploadedById: adminUser.id,
      channel: "production",
    });
    const beta = await seedBuild(db.dataDir, {
      bundleId: app,
      label: "2",
      uploadedById: adminUser.id,
      channel: "beta",
    });
    await setAppVisibility({ appId: prod.appId, visibility: "everyone" }, admin);
    const testers = await createGroup({ name: "Testers" }, admin);
    await addGroupMember({ groupId: testers.id, email: tester.email }, admin);
    await setChannelAccess({ appId: prod.appId, channel: "beta", groupIds: [testers.id] }, admin);

    const seen = async (user: UserDto) => (await listBuildsFor(user, prod.appId)).map((b) => b.id).sort();
    assert.deepEqual(await seen(employee), [prod.id]);
    assert.deepEqual(await seen(tester), [prod.id, beta.id].sort());
    assert.deepEqual(await seen(adminUser), [prod.id, beta.id].sort());
    // Install files follow the same rule.
    assert.equal(await getBuildByIdFor(employee, beta.id), null);
    assert.ok(await getBuildByIdFor(tester, beta.id));
    assert.equal((await latestBuildInChannelFor(employee, prod.appId, "beta")).channel, null);
    assert.equal((await latestBuildInChannelFor(tester, prod.appId, "beta")).build?.id, beta.id);
    assert.deepEqual(
      (await listChannelsFor(employee, prod.appId)).map((c) => c.name),
      ["production"],
    );

    // Promoting the beta build to production makes it visible to everyone.
    await promoteBuild({ buildId: beta.id, channel: "production" }, admin);
    assert.deepEqual(await seen(employee), [prod.id, beta.id].sort());

    // No groups: the channel inherits the app's access again.
    await setChannelAccess({ appId: prod.appId, channel: "beta", groupIds: [] }, admin);
    assert.equal((await latestBuildInChannelFor(employee, prod.appId, "beta")).build?.id, beta.id);
    await assert.rejects(
      setChannelAccess({ appId: prod.appId, channel: "beta", groupIds: [] }, userActor(tester, context)),
      rejectsWith("forbidden"),
    );
  });
});
