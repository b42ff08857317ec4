/** Domain tests: channels (promotion, newest per channel, access by group) against a real database, no server. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Actor, CLI_ACTOR, userActor } from "@/lib/access/actor";
import { grantApp, setAppVisibility } from "@/lib/apps/mutations";
import { getBuildByIdFor, listBuildsFor } from "@/lib/builds/data";
import { buildsOnlyInChannel, latestBuildInChannelFor, listChannelsFor } from "@/lib/channels/data";
import {
  deleteChannel,
  promoteBuild,
  removeBuildFromChannel,
  renameChannel,
  setChannelAccess,
} from "@/lib/channels/mutations";
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

describe("creating, removing from, renaming and deleting channels", () => {
  const app = "com.example.manage";
  let uploader: UserDto;
  let outsider: UserDto;
  let appId: string;
  let beta: Awaited<ReturnType<typeof seedBuild>>;
  let prod: Awaited<ReturnType<typeof seedBuild>>;
  const audit = (action: string) =>
    db.query<{ details: Record<string, unknown>; actor_email: string | null; target_id: string | null }>(
      "SELECT details, actor_email, target_id FROM audit_events WHERE action = $1 AND app_id = $2 ORDER BY at, id",
      [action, appId],
    );

  before(async () => {
    uploader = await createUser({ email: "uploader@example.com", role: "uploader" }, CLI_ACTOR);
    outsider = await createUser({ email: "outsider@example.com", role: "uploader" }, CLI_ACTOR);
    prod = await seedBuild(db.dataDir, { bundleId: app, label: "1", uploadedById: adminUser.id });
    beta = await seedBuild(
      db.dataDir,
      { bundleId: app, label: "2", uploadedById: adminUser.id, channel: "beta" },
      { action: "build.upload", actor: adminUser },
    );
    appId = prod.appId;
    const publishers = await createGroup({ name: "Publishers" }, admin);
    await addGroupMember({ groupId: publishers.id, email: uploader.email }, admin);
    await grantApp({ appId, groupId: publishers.id }, admin);
    await setAppVisibility({ appId, visibility: "everyone" }, admin);
  });

  it("an upload naming a new channel records channel.create with the upload", async () => {
    const rows = await audit("channel.create");
    assert.deepEqual(
      rows.map((r) => [r.details.channel, r.details.via, r.actor_email]),
      [["beta", "upload", adminUser.email]],
    );
  });

  it("promotion into a channel the app does not have is refused without create, and audited with it", async () => {
    const actor = userActor(uploader, context);
    await assert.rejects(
      promoteBuild({ buildId: prod.id, channel: "prodution", create: false }, actor),
      (error: unknown) =>
        error instanceof AppError &&
        error.code === "unknown_channel" &&
        error.message.startsWith(`Unknown channel "prodution": ${app}'s channels are default, beta.`),
    );
    assert.deepEqual(
      (await listChannelsFor(adminUser, appId)).map((c) => c.name),
      ["default", "beta"],
    );
    const existing = await promoteBuild({ buildId: prod.id, channel: "beta", create: false }, actor);
    assert.deepEqual([existing.changed, existing.channelCreated], [true, false]);
    const created = await promoteBuild({ buildId: prod.id, channel: "prodution", create: true }, actor);
    assert.deepEqual([created.changed, created.channelCreated], [true, true]);
    const rows = await audit("channel.create");
    assert.equal(rows.at(-1)?.details.channel, "prodution");
    assert.equal(rows.at(-1)?.actor_email, uploader.email);
  });

  it("renaming: collisions refused, the channel keeps its builds, the old name is gone; outsiders refused", async () => {
    const actor = userActor(uploader, context);
    await assert.rejects(
      renameChannel({ appId, channel: "prodution", name: "beta" }, actor),
      (error: unknown) => error instanceof AppError && error.code === "conflict" && error.message.includes("beta"),
    );
    await assert.rejects(
      renameChannel({ appId, channel: "prodution", name: "bad name!" }, actor),
      rejectsWith("bad_request"),
    );
    await assert.rejects(
      renameChannel({ appId, channel: "prodution", name: "production" }, userActor(outsider, context)),
      rejectsWith("forbidden"),
    );
    await assert.rejects(
      renameChannel({ appId, channel: "prodution", name: "production" }, userActor(employee, context)),
      rejectsWith("forbidden"),
    );
    await assert.rejects(
      renameChannel({ appId, channel: "nope", name: "production" }, actor),
      rejectsWith("not_found"),
    );
    const renamed = await renameChannel({ appId, channel: "Prodution", name: "Production" }, actor);
    assert.deepEqual(renamed, { appId, from: "prodution", to: "production", changed: true });
    assert.equal((await latestBuildInChannelFor(adminUser, appId, "production")).build?.id, prod.id);
    assert.equal((await latestBuildInChannelFor(adminUser, appId, "prodution")).channel, null);
    const [row] = await audit("channel.rename");
    assert.deepEqual(row?.details, { app: app, from: "prodution", to: "production" });
    assert.equal((await renameChannel({ appId, channel: "production", name: "production" }, actor)).changed, false);
    assert.equal((await audit("channel.rename")).length, 1);
  });

  it("removing a build from a channel keeps the build; its only channel cannot be removed", async () => {
    const actor = userActor(uploader, context);
    await assert.rejects(
      removeBuildFromChannel({ buildId: beta.id, channel: "beta" }, actor),
      (error: unknown) =>
        error instanceof AppError && error.code === "conflict" && error.message.includes("only channel"),
    );
    await assert.rejects(
      removeBuildFromChannel({ buildId: prod.id, channel: "beta" }, userActor(employee, context)),
      rejectsWith("forbidden"),
    );
    await removeBuildFromChannel({ buildId: prod.id, channel: "beta" }, actor);
    const [build] = (await listBuildsFor(adminUser, appId)).filter((b) => b.id === prod.id);
    assert.deepEqual(build?.channels, ["default", "production"]);
    assert.equal((await latestBuildInChannelFor(adminUser, appId, "beta")).build?.id, beta.id);
    const [row] = await audit("build.unpromote");
    assert.equal(row?.details.channel, "beta");
    await assert.rejects(
      removeBuildFromChannel({ buildId: prod.id, channel: "beta" }, actor),
      rejectsWith("not_found"),
    );
  });

  it("deleting: never the default channel; builds only there need a destination; builds are never deleted", async () => {
    const actor = userActor(uploader, context);
    await assert.rejects(
      deleteChannel({ appId, channel: "default" }, actor),
      (error: unknown) =>
        error instanceof AppError && error.code === "conflict" && error.message.includes("default channel"),
    );
    await assert.rejects(
      deleteChannel({ appId, channel: "beta" }, actor),
      (error: unknown) =>
        error instanceof AppError && error.code === "conflict" && error.message.includes("1 build is only in"),
    );
    await assert.rejects(
      deleteChannel({ appId, channel: "beta" }, userActor(outsider, context)),
      rejectsWith("forbidden"),
    );
    // A restricted channel with a watcher and a group grant: they go with it.
    const testers = await createGroup({ name: "Beta testers" }, admin);
    await setChannelAccess({ appId, channel: "beta", groupIds: [testers.id] }, admin);
    await db.query(
      "INSERT INTO watches (user_id, app_id, channel_id) SELECT $1, app_id, id FROM channels WHERE app_id = $2 AND name = 'beta'",
      [tester.id, appId],
    );
    // The uploader is not in Beta testers: for them the channel does not exist.
    await assert.rejects(
      deleteChannel({ appId, channel: "beta", moveTo: "production" }, actor),
      rejectsWith("not_found"),
    );
    const deleted = await deleteChannel({ appId, channel: "beta", moveTo: "production" }, admin);
    assert.deepEqual(deleted, { appId, channel: "beta", buildsRemoved: 1, buildsMoved: 1, moveTo: "production" });
    assert.deepEqual(
      (await listChannelsFor(adminUser, appId)).map((c) => c.name),
      ["default", "production"],
    );
    // Moved keeping when it was added: production's newest is still the build promoted there last.
    assert.equal((await latestBuildInChannelFor(adminUser, appId, "production")).build?.id, prod.id);
    assert.deepEqual((await listBuildsFor(adminUser, appId)).map((b) => b.id).sort(), [prod.id, beta.id].sort());
    const leftovers = await db.query<{ n: string }>(
      "SELECT (SELECT count(*) FROM channel_groups cg WHERE NOT EXISTS (SELECT 1 FROM channels c WHERE c.id = cg.channel_id)) + (SELECT count(*) FROM watches WHERE channel_id IS NOT NULL AND app_id = $1) AS n",
      [appId],
    );
    assert.equal(Number(leftovers[0]?.n), 0);
    const [row] = await audit("channel.delete");
    assert.deepEqual(row?.details, {
      app,
      channel: "beta",
      buildsRemoved: 1,
      buildsMoved: 1,
      moveTo: "production",
      groups: ["Beta testers"],
    });
  });

  it("counts, per channel, the builds in no other channel (what deleting it would move)", async () => {
    const seed = (label: string, channel: string) =>
      seedBuild(db.dataDir, { bundleId: "com.example.only", label, uploadedById: adminUser.id, channel });
    const a = await seed("1", "default");
    await seed("2", "default");
    const c = await seed("3", "beta");
    await seed("4", "beta");
    await promoteBuild({ buildId: c.id, channel: "default" }, admin);
    await promoteBuild({ buildId: a.id, channel: "qa", create: true }, admin);
    const channels = await listChannelsFor(adminUser, a.appId);
    const id = (name: string) => channels.find((ch) => ch.name === name)?.id ?? "";
    const onlyHere = await buildsOnlyInChannel(a.appId);
    // default holds 1, 2, 3: only 2 is nowhere else (1 is also in qa, 3 also in beta); beta: 4; qa: none.
    assert.equal(onlyHere.get(id("default")), 1);
    assert.equal(onlyHere.get(id("beta")), 1);
    assert.equal(onlyHere.get(id("qa")) ?? 0, 0);
    assert.equal((await buildsOnlyInChannel("not-a-uuid")).size, 0);
  });
});
