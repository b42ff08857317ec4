/** Domain tests: deleting builds and editing their notes, against a real database and data directory. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Actor, CLI_ACTOR, userActor } from "@/lib/access/actor";
import { grantApp } from "@/lib/apps/mutations";
import { getBuildByIdFor } from "@/lib/builds/data";
import { deleteBuild, editBuildNotes } from "@/lib/builds/mutations";
import { AppError } from "@/lib/errors";
import { addGroupMember, createGroup } from "@/lib/groups/mutations";
import type { UserDto } from "@/lib/users/data";
import { createUser } from "@/lib/users/mutations";
import { useDomainDatabase } from "@/tests/helpers/domain-database";
import { seedBuild, storedFilesExist } from "@/tests/helpers/seed-builds";

let db: Awaited<ReturnType<typeof useDomainDatabase>>;
let adminUser: UserDto;
let admin: Actor;
let uploader: UserDto;
let member: UserDto;
const context = { ip: "203.0.113.10", userAgent: "domain-test" };
const rejectsWith = (code: string) => (error: unknown) => error instanceof AppError && error.code === code;

before(async () => {
  db = await useDomainDatabase();
  adminUser = await createUser({ email: "admin@example.com", role: "admin" }, CLI_ACTOR);
  admin = userActor(adminUser, context);
  uploader = await createUser({ email: "uploader@example.com", role: "uploader" }, CLI_ACTOR);
  member = await createUser({ email: "member@example.com", role: "member" }, CLI_ACTOR);
});
after(async () => db?.cleanup());

describe("build mutations", () => {
  it("delete removes the row, its file and icons, and is audited; the install lookup finds nothing", async () => {
    const build = await seedBuild(db.dataDir, { bundleId: "com.example.del", label: "1", uploadedById: adminUser.id });
    assert.deepEqual(storedFilesExist(db.dataDir, build.sha256), { ipa: true, icons: true });
    await deleteBuild({ buildId: build.id }, admin);
    assert.deepEqual(storedFilesExist(db.dataDir, build.sha256), { ipa: false, icons: false });
    assert.equal(await getBuildByIdFor(adminUser, build.id), null);
    const rows = await db.query<{ actor_email: string; details: { reason: string } }>(
      "SELECT actor_email, details FROM audit_events WHERE action = 'build.delete' AND build_id = $1",
      [build.id],
    );
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.actor_email, "admin@example.com");
    assert.equal(rows[0]?.details.reason, "request");
    await assert.rejects(deleteBuild({ buildId: build.id }, admin), rejectsWith("not_found"));
  });

  it("delete keeps files another app's build still references", async () => {
    // Content-addressed files: another app's row with the same bytes keeps them alive.
    const a = await seedBuild(db.dataDir, { bundleId: "com.example.keep", label: "same", uploadedById: adminUser.id });
    await db.query(
      "INSERT INTO apps (id, bundle_id, name, updated_at) VALUES (gen_random_uuid(), 'com.example.other', 'Other', now())",
    );
    await db.query(
      `INSERT INTO builds (id, app_id, bundle_id, version, build_number, name, size_bytes, sha256, storage_key)
       SELECT gen_random_uuid(), (SELECT id FROM apps WHERE bundle_id = 'com.example.other'), 'com.example.other', '1', '1', 'Other', size_bytes, sha256, storage_key
       FROM builds WHERE id = $1`,
      [a.id],
    );
    await deleteBuild({ buildId: a.id }, CLI_ACTOR);
    assert.deepEqual(storedFilesExist(db.dataDir, a.sha256), { ipa: true, icons: true });
  });

  it("only admins and the app's uploaders may delete or edit notes", async () => {
    const build = await seedBuild(db.dataDir, {
      bundleId: "com.example.rights",
      label: "1",
      uploadedById: adminUser.id,
    });
    const group = await createGroup({ name: "Publishers" }, admin);
    await addGroupMember({ groupId: group.id, email: uploader.email }, admin);
    await addGroupMember({ groupId: group.id, email: member.email }, admin);
    const asMember = userActor(member, context);
    const asUploader = userActor(uploader, context);
    // Not granted yet: the uploader does not even see the build.
    await assert.rejects(deleteBuild({ buildId: build.id }, asUploader), rejectsWith("not_found"));
    await grantApp({ appId: build.appId, groupId: group.id }, admin);
    await assert.rejects(deleteBuild({ buildId: build.id }, asMember), rejectsWith("forbidden"));
    await assert.rejects(editBuildNotes({ buildId: build.id, notes: "x" }, asMember), rejectsWith("forbidden"));
    const edited = await editBuildNotes({ buildId: build.id, notes: "  **New** notes\u0007 " }, asUploader);
    assert.deepEqual([edited.changed, edited.notes], [true, "**New** notes"]);
    const same = await editBuildNotes({ buildId: build.id, notes: "**New** notes" }, asUploader);
    assert.equal(same.changed, false);
    const audit = await db.query("SELECT 1 FROM audit_events WHERE action = 'build.notes_edit' AND build_id = $1", [
      build.id,
    ]);
    assert.equal(audit.length, 1);
    await deleteBuild({ buildId: build.id }, asUploader);
    assert.equal(await getBuildByIdFor(adminUser, build.id), null);
  });
});
