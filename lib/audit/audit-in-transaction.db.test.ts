/**
 * Domain test: a change and its audit row commit together. A trigger in the
 * test database refuses the audit insert of chosen actions; each mutation
 * then fails and leaves its change undone (before issue 19 the row was
 * written after the change, and a failed insert was only logged). Real
 * PostgreSQL, no server.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { type Actor, CLI_ACTOR, userActor } from "@/lib/access/actor";
import { grantApp, setAppVisibility } from "@/lib/apps/mutations";
import type { AuditAction } from "@/lib/audit/audit-actions";
import { deleteBuild, editBuildNotes } from "@/lib/builds/mutations";
import { promoteBuild, setChannelAccess } from "@/lib/channels/mutations";
import { importDevices } from "@/lib/devices/mutations";
import { addGroupMember, createGroup } from "@/lib/groups/mutations";
import { createApiToken } from "@/lib/tokens/mutations";
import type { UserDto } from "@/lib/users/data";
import { createUser, disableUser } from "@/lib/users/mutations";
import { createWebhook } from "@/lib/webhooks/mutations";
import { useDomainDatabase } from "@/tests/helpers/domain-database";
import { seedBuild, storedFilesExist } from "@/tests/helpers/seed-builds";

let db: Awaited<ReturnType<typeof useDomainDatabase>>;
let adminUser: UserDto;
let admin: Actor;
const context = { ip: "203.0.113.7", userAgent: "audit-test" };

before(async () => {
  db = await useDomainDatabase();
  adminUser = await createUser({ email: "admin@example.com", role: "admin" }, CLI_ACTOR);
  admin = userActor(adminUser, context);
  // Refuses the audit rows of the actions listed in refused_audit_actions.
  await db.query(`
    CREATE TABLE refused_audit_actions (action text PRIMARY KEY);
    CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM refused_audit_actions WHERE action = NEW.action) THEN
        RAISE EXCEPTION 'audit insert refused for %', NEW.action;
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION refuse_audit();`);
});
beforeEach(allowAll);
after(async () => db?.cleanup());

/** From now on, only `action`'s rows are refused. */
async function refuse(action: AuditAction): Promise<void> {
  await db.query("DELETE FROM refused_audit_actions");
  await db.query("INSERT INTO refused_audit_actions (action) VALUES ($1)", [action]);
}

async function allowAll(): Promise<void> {
  await db.query("DELETE FROM refused_audit_actions");
}

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM (${sql}) t`, params);
  return row?.n ?? 0;
}

// Prisma's error for a failed statement carries the database's message.
const refusedInsert = (error: unknown) => /audit insert refused/.test(String((error as { message?: unknown }).message));

describe("a change whose audit row cannot be written does not happen", () => {
  it("users: create and disable", async () => {
    await refuse("user.create");
    await assert.rejects(createUser({ email: "ghost@example.com" }, admin), refusedInsert);
    assert.equal(await count("SELECT 1 FROM users WHERE email = 'ghost@example.com'"), 0);

    await allowAll();
    const target = await createUser({ email: "target@example.com" }, admin);
    await createApiToken({ owner: target, name: "ci" }, CLI_ACTOR);
    await refuse("user.disable");
    await assert.rejects(disableUser({ userId: target.id }, admin), refusedInsert);
    const [row] = await db.query<{ disabled_at: Date | null; session_version: number }>(
      "SELECT disabled_at, session_version FROM users WHERE id = $1",
      [target.id],
    );
    assert.deepEqual(row, { disabled_at: null, session_version: 0 });
    assert.equal(await count("SELECT 1 FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL", [target.id]), 1);
  });

  it("groups, grants, visibility and tokens", async () => {
    await refuse("group.create");
    await assert.rejects(createGroup({ name: "ghosts" }, admin), refusedInsert);
    assert.equal(await count("SELECT 1 FROM groups WHERE name = 'ghosts'"), 0);

    await allowAll();
    const group = await createGroup({ name: "testers" }, admin);
    await createUser({ email: "member@example.com" }, admin);
    await refuse("group.member_add");
    await assert.rejects(addGroupMember({ groupId: group.id, email: "member@example.com" }, admin), refusedInsert);
    assert.equal(await count("SELECT 1 FROM group_members WHERE group_id = $1", [group.id]), 0);

    await allowAll();
    const build = await seedBuild(db.dataDir, {
      bundleId: "com.example.grant",
      label: "1",
      uploadedById: adminUser.id,
    });
    await refuse("app.grant");
    await assert.rejects(grantApp({ appId: build.appId, groupId: group.id }, admin), refusedInsert);
    assert.equal(await count("SELECT 1 FROM app_groups WHERE app_id = $1", [build.appId]), 0);
    await refuse("app.visibility_change");
    await assert.rejects(setAppVisibility({ appId: build.appId, visibility: "everyone" }, admin), refusedInsert);
    assert.equal(await count("SELECT 1 FROM apps WHERE id = $1 AND visibility = 'restricted'", [build.appId]), 1);

    await refuse("token.create");
    await assert.rejects(createApiToken({ owner: adminUser, name: "ghost" }, admin), refusedInsert);
    assert.equal(await count("SELECT 1 FROM api_tokens WHERE name = 'ghost'"), 0);

    await refuse("webhook.create");
    await assert.rejects(
      createWebhook({ appId: build.appId, url: "https://hooks.example.com/x", events: ["build.created"] }, admin),
      refusedInsert,
    );
    assert.equal(await count("SELECT 1 FROM webhooks"), 0);
  });

  it("builds and channels: notes, promotion, channel access and deletion (files kept)", async () => {
    const build = await seedBuild(db.dataDir, {
      bundleId: "com.example.build",
      label: "1",
      uploadedById: adminUser.id,
    });
    await refuse("build.notes_edit");
    await assert.rejects(editBuildNotes({ buildId: build.id, notes: "ghost notes" }, admin), refusedInsert);
    assert.equal(await count("SELECT 1 FROM builds WHERE id = $1 AND notes IS NULL", [build.id]), 1);

    await refuse("build.promote");
    await assert.rejects(promoteBuild({ buildId: build.id, channel: "production" }, admin), refusedInsert);
    assert.equal(await count("SELECT 1 FROM build_channels WHERE build_id = $1", [build.id]), 1);
    // The channel created for the promotion is rolled back with it.
    assert.equal(await count("SELECT 1 FROM channels WHERE app_id = $1", [build.appId]), 1);

    await allowAll();
    const group = await createGroup({ name: "beta-testers" }, admin);
    await refuse("channel.access_change");
    await assert.rejects(
      setChannelAccess({ appId: build.appId, channel: "default", groupIds: [group.id] }, admin),
      refusedInsert,
    );
    assert.equal(await count("SELECT 1 FROM channels WHERE app_id = $1 AND restricted", [build.appId]), 0);

    await refuse("build.delete");
    await assert.rejects(deleteBuild({ buildId: build.id }, admin), refusedInsert);
    assert.equal(await count("SELECT 1 FROM builds WHERE id = $1", [build.id]), 1);
    assert.deepEqual(storedFilesExist(db.dataDir, build.sha256), { ipa: true, icons: true });
  });

  it("uploads: the build row and its build.upload row commit together", async () => {
    await refuse("build.upload");
    const upload = { action: "build.upload" as const, actor: adminUser, context, details: { via: "api" } };
    await assert.rejects(
      seedBuild(db.dataDir, { bundleId: "com.example.upload-audit", label: "1", uploadedById: adminUser.id }, upload),
      refusedInsert,
    );
    assert.equal(await count("SELECT 1 FROM builds WHERE bundle_id = 'com.example.upload-audit'"), 0);

    await allowAll();
    const build = await seedBuild(
      db.dataDir,
      { bundleId: "com.example.upload-audit", label: "1", uploadedById: adminUser.id },
      upload,
    );
    assert.equal(
      await count("SELECT 1 FROM audit_events WHERE action = 'build.upload' AND build_id = $1", [build.id]),
      1,
    );
  });

  it("devices: an import", async () => {
    await refuse("device.import");
    await assert.rejects(importDevices("00008030-001A2B3C4D5E6F70\tPhone\tios\n", admin), refusedInsert);
    assert.equal(await count("SELECT 1 FROM devices"), 0);
  });

  it("with the trigger letting them through, the same changes land with their rows", async () => {
    const group = await createGroup({ name: "after" }, admin);
    const [row] = await db.query<{ action: string; actor_email: string; ip: string }>(
      "SELECT action, actor_email, ip FROM audit_events WHERE target_id = $1",
      [group.id],
    );
    assert.deepEqual(row, { action: "group.create", actor_email: "admin@example.com", ip: "203.0.113.7" });
  });
});
