/** Domain tests: which channel's build leads an app (lib/channels/default-channel.ts), against a real database. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Actor, CLI_ACTOR, userActor } from "@/lib/access/actor";
import { listAppsFor } from "@/lib/apps/data";
import { setAppVisibility, setDefaultChannel } from "@/lib/apps/mutations";
import type { BuildDto } from "@/lib/builds/data";
import { leadOf } from "@/lib/channels/default-channel";
import { setChannelAccess } from "@/lib/channels/mutations";
import { AppError } from "@/lib/errors";
import { createGroup } from "@/lib/groups/mutations";
import type { UserDto } from "@/lib/users/data";
import { createUser } from "@/lib/users/mutations";
import { useDomainDatabase } from "@/tests/helpers/domain-database";
import { seedBuild } from "@/tests/helpers/seed-builds";

let db: Awaited<ReturnType<typeof useDomainDatabase>>;
let adminUser: UserDto;
let admin: Actor;
let employee: UserDto;
const context = { ip: "203.0.113.9", userAgent: "domain-test" };
const rejectsWith = (code: string) => (error: unknown) => error instanceof AppError && error.code === code;

before(async () => {
  db = await useDomainDatabase();
  adminUser = await createUser({ email: "admin@example.com", role: "admin" }, CLI_ACTOR);
  admin = userActor(adminUser, context);
  employee = await createUser({ email: "employee@example.com", role: "member" }, CLI_ACTOR);
});
after(async () => db?.cleanup());

/** Builds of `bundleId`, one per [label, channel], uploaded a minute apart in this order (the last is the newest). */
async function seedApp(bundleId: string, builds: [string, string | null][]): Promise<BuildDto[]> {
  const seeded: BuildDto[] = [];
  for (const [index, [label, channel]] of builds.entries()) {
    const build = await seedBuild(db.dataDir, { bundleId, label, uploadedById: adminUser.id, channel });
    // Explicit times: "newest" must not depend on how fast the seeding ran.
    const at = new Date(Date.UTC(2026, 0, 1, 12, index));
    await db.query("UPDATE builds SET created_at = $2 WHERE id = $1", [build.id, at]);
    await db.query("UPDATE build_channels SET added_at = $2 WHERE build_id = $1", [build.id, at]);
    seeded.push(build);
  }
  const appId = seeded[0]?.appId ?? "";
  await setAppVisibility({ appId, visibility: "everyone" }, admin);
  return seeded;
}

async function leadFor(user: UserDto, appId: string) {
  return (await leadOf(user, [appId])).get(appId);
}

async function listed(user: UserDto, appId: string) {
  const app = (await listAppsFor(user)).find((a) => a.id === appId);
  assert.ok(app);
  return { defaultChannel: app.defaultChannel, lead: app.lead?.version, latest: app.latest?.version };
}

describe("the default channel", () => {
  it("no production or default channel: none, and the newest build leads (today's behaviour)", async () => {
    const [, qa] = await seedApp("com.example.lead.none", [
      ["1.0", "beta"],
      ["1.1", "qa"],
    ]);
    assert.ok(qa);
    assert.deepEqual(await leadFor(adminUser, qa.appId), { channel: null, build: null });
    assert.deepEqual(await listed(employee, qa.appId), { defaultChannel: null, lead: "1.1", latest: "1.1" });
  });

  it("the channel named default leads over a newer beta build; the app list shows its version", async () => {
    const [stable, beta] = await seedApp("com.example.lead.default", [
      ["1.0", null],
      ["2.0-beta", "beta"],
    ]);
    assert.ok(stable && beta);
    assert.deepEqual(stable.channels, ["default"]);
    const lead = await leadFor(employee, stable.appId);
    assert.equal(lead?.channel, "default");
    assert.equal(lead?.build?.id, stable.id);
    assert.deepEqual(await listed(employee, stable.appId), {
      defaultChannel: "default",
      lead: "1.0",
      latest: "2.0-beta",
    });
  });

  it("production wins over default; an admin's pick wins over both; deleting the picked channel falls back", async () => {
    const [untagged, prod, beta] = await seedApp("com.example.lead.pick", [
      ["1.0", null],
      ["1.1", "production"],
      ["2.0-beta", "beta"],
    ]);
    assert.ok(untagged && prod && beta);
    assert.equal((await leadFor(employee, prod.appId))?.build?.id, prod.id);
    assert.equal((await leadFor(employee, prod.appId))?.channel, "production");

    const betaChannel = (
      await db.query<{ id: string }>("SELECT id FROM channels WHERE app_id = $1 AND name = 'beta'", [beta.appId])
    )[0];
    assert.ok(betaChannel);
    const picked = await setDefaultChannel({ appId: beta.appId, channelId: betaChannel.id }, admin);
    assert.deepEqual([picked.channel, picked.changed], ["beta", true]);
    assert.deepEqual(await listed(employee, beta.appId), {
      defaultChannel: "beta",
      lead: "2.0-beta",
      latest: "2.0-beta",
    });
    // Audited in the change's transaction, naming both ends.
    const audit = await db.query<{ details: { from: string | null; to: string | null } }>(
      "SELECT details FROM audit_events WHERE action = 'app.default_channel_change' AND app_id = $1",
      [beta.appId],
    );
    assert.deepEqual(
      audit.map((a) => [a.details.from, a.details.to]),
      [[null, "beta"]],
    );
    // Picking it again changes nothing.
    assert.equal((await setDefaultChannel({ appId: beta.appId, channelId: betaChannel.id }, admin)).changed, false);

    // The channel goes (as a channel deletion would): the app forgets the pick, production leads again.
    await db.query("DELETE FROM channels WHERE id = $1", [betaChannel.id]);
    const [row] = await db.query<{ default_channel_id: string | null }>(
      "SELECT default_channel_id FROM apps WHERE id = $1",
      [beta.appId],
    );
    assert.equal(row?.default_channel_id, null);
    assert.equal((await leadFor(employee, prod.appId))?.build?.id, prod.id);

    // Back to automatic.
    const prodChannel = (
      await db.query<{ id: string }>("SELECT id FROM channels WHERE app_id = $1 AND name = 'production'", [prod.appId])
    )[0];
    assert.ok(prodChannel);
    await setDefaultChannel({ appId: prod.appId, channelId: prodChannel.id }, admin);
    assert.equal((await setDefaultChannel({ appId: prod.appId, channelId: null }, admin)).channel, null);
    assert.equal((await leadFor(employee, prod.appId))?.channel, "production");
  });

  it("the newest build of the channel leads, ordered as the channel orders them (last added)", async () => {
    const [first, second] = await seedApp("com.example.lead.order", [
      ["1.0", "production"],
      ["1.1", "production"],
    ]);
    assert.ok(first && second);
    assert.equal((await leadFor(employee, first.appId))?.build?.id, second.id);
  });

  it("a picked channel the reader cannot see (or empty for them) is skipped, and its name stays hidden", async () => {
    const [untagged, internal] = await seedApp("com.example.lead.restricted", [
      ["1.0", null],
      ["1.1-internal", "internal"],
    ]);
    assert.ok(untagged && internal);
    const insiders = await createGroup({ name: "Lead insiders" }, admin);
    await setChannelAccess({ appId: internal.appId, channel: "internal", groupIds: [insiders.id] }, admin);
    const channel = (
      await db.query<{ id: string }>("SELECT id FROM channels WHERE app_id = $1 AND name = 'internal'", [
        internal.appId,
      ])
    )[0];
    assert.ok(channel);
    await setDefaultChannel({ appId: internal.appId, channelId: channel.id }, admin);
    assert.equal((await leadFor(adminUser, internal.appId))?.channel, "internal");
    const seen = await listed(employee, internal.appId);
    assert.deepEqual(seen, { defaultChannel: "default", lead: "1.0", latest: "1.0" });
  });

  it("only admins pick it, and only among the app's own channels", async () => {
    const [a] = await seedApp("com.example.lead.perm-a", [["1.0", null]]);
    const [b] = await seedApp("com.example.lead.perm-b", [["1.0", "beta"]]);
    assert.ok(a && b);
    const [foreign] = await db.query<{ id: string }>("SELECT id FROM channels WHERE app_id = $1", [b.appId]);
    assert.ok(foreign);
    await assert.rejects(setDefaultChannel({ appId: a.appId, channelId: foreign.id }, admin), rejectsWith("not_found"));
    await assert.rejects(
      setDefaultChannel({ appId: b.appId, channelId: foreign.id }, userActor(employee, context)),
      rejectsWith("forbidden"),
    );
    await assert.rejects(setDefaultChannel({ appId: a.appId, channelId: "nope" }, admin), rejectsWith("bad_request"));
  });
});
