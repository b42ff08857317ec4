/** Domain tests: groups and app grants against a real database, no server. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Actor, CLI_ACTOR, userActor } from "@/lib/access/actor";
import { getAppFor, listAppAccess } from "@/lib/apps/data";
import { grantApp, revokeApp, setAppVisibility } from "@/lib/apps/mutations";
import { AppError } from "@/lib/errors";
import { listGroups } from "@/lib/groups/data";
import { addGroupMember, createGroup, deleteGroup, removeGroupMember } from "@/lib/groups/mutations";
import type { UserDto } from "@/lib/users/data";
import { createUser } from "@/lib/users/mutations";
import { useDomainDatabase } from "@/tests/helpers/domain-database";

let db: Awaited<ReturnType<typeof useDomainDatabase>>;
let admin: Actor;
let uploader: Actor;
let employee: UserDto;
let appId: string;
const context = { ip: null, userAgent: null };
const isCode = (code: string) => (error: unknown) => error instanceof AppError && error.code === code;

before(async () => {
  db = await useDomainDatabase();
  admin = userActor(await createUser({ email: "admin@example.com", role: "admin" }, CLI_ACTOR), context);
  uploader = userActor(await createUser({ email: "up@example.com", role: "uploader" }, CLI_ACTOR), context);
  employee = await createUser({ email: "employee@example.com" }, CLI_ACTOR);
  const [app] = await db.query<{ id: string }>(
    "INSERT INTO apps (id, bundle_id, name, updated_at) VALUES (gen_random_uuid(), 'com.example.app', 'Example', now()) RETURNING id",
  );
  appId = app!.id;
});
after(async () => db?.cleanup());

async function actions(): Promise<string[]> {
  const rows = await db.query<{ action: string }>("SELECT action FROM audit_events ORDER BY id");
  return rows.map((r) => r.action).filter((a) => !a.startsWith("user."));
}

describe("groups and access to apps", () => {
  it("a group, a member and a grant give the employee the app; revoking takes it away; each step audited once", async () => {
    const group = await createGroup({ name: " Testers ", description: "" }, admin);
    assert.equal(group.name, "Testers");
    assert.equal((await addGroupMember({ groupId: group.id, email: "employee@example.com" }, admin)).changed, true);
    assert.equal((await addGroupMember({ groupId: group.id, email: "employee@example.com" }, admin)).changed, false);
    assert.equal(await getAppFor(employee, appId), null, "restricted until granted");
    assert.equal((await grantApp({ appId, groupId: group.id }, admin)).changed, true);
    assert.equal((await grantApp({ appId, groupId: group.id }, admin)).changed, false);
    assert.equal((await getAppFor(employee, appId))?.id, appId);
    assert.deepEqual((await listAppAccess(CLI_ACTOR))[0]?.groups, [{ id: group.id, name: "Testers" }]);
    assert.equal((await revokeApp({ appId, groupId: group.id }, admin)).changed, true);
    assert.equal(await getAppFor(employee, appId), null);
    assert.equal((await removeGroupMember({ groupId: group.id, userId: employee.id }, admin)).changed, true);
    await deleteGroup({ groupId: group.id }, admin);
    assert.deepEqual(await listGroups(), []);
    assert.deepEqual(await actions(), [
      "group.create",
      "group.member_add",
      "app.grant",
      "app.revoke",
      "group.member_remove",
      "group.delete",
    ]);
  });

  it("visibility: everyone signed in sees the app; audited with from/to", async () => {
    assert.equal((await setAppVisibility({ appId, visibility: "everyone" }, admin)).changed, true);
    assert.equal((await getAppFor(employee, appId))?.id, appId);
    assert.equal((await setAppVisibility({ appId, visibility: "everyone" }, admin)).changed, false);
    await setAppVisibility({ appId, visibility: "restricted" }, admin);
    const rows = await db.query<{ details: Record<string, unknown> }>(
      "SELECT details FROM audit_events WHERE action = 'app.visibility_change' ORDER BY id",
    );
    assert.deepEqual(
      rows.map((r) => [r.details.from, r.details.to]),
      [
        ["restricted", "everyone"],
        ["everyone", "restricted"],
      ],
    );
  });

  it("uploaders change nothing here, and duplicates or unknown ids get specific codes", async () => {
    const before = await actions();
    await assert.rejects(createGroup({ name: "Mine" }, uploader), isCode("forbidden"));
    await assert.rejects(setAppVisibility({ appId, visibility: "everyone" }, uploader), isCode("forbidden"));
    const group = await createGroup({ name: "QA" }, admin);
    await assert.rejects(grantApp({ appId, groupId: group.id }, uploader), isCode("forbidden"));
    await assert.rejects(createGroup({ name: "QA" }, admin), isCode("conflict"));
    await assert.rejects(
      addGroupMember({ groupId: group.id, email: "nobody@example.com" }, admin),
      isCode("not_found"),
    );
    await assert.rejects(grantApp({ appId: group.id, groupId: group.id }, admin), isCode("not_found"));
    assert.deepEqual(await actions(), [...before, "group.create"]);
  });
  it("a grant names the group or the app (bundle id, or a name only one app has); the actor is checked first", async () => {
    const group = await createGroup({ name: "Named", description: "" }, admin);
    await db.query(
      `INSERT INTO apps (id, bundle_id, name, updated_at) VALUES
         (gen_random_uuid(), 'com.example.twin1', 'Twin', now()), (gen_random_uuid(), 'com.example.twin2', 'Twin', now())`,
    );
    await assert.rejects(grantApp({ appId, groupName: "Named" }, uploader), isCode("forbidden"));
    await assert.rejects(grantApp({ appId, groupName: "Nobody" }, admin), isCode("not_found"));
    assert.equal((await grantApp({ appId, groupName: " Named " }, admin)).group.id, group.id);
    assert.equal(
      (await grantApp({ groupId: group.id, appName: "com.example.twin2" }, admin)).app.bundleId,
      "com.example.twin2",
    );
    await assert.rejects(grantApp({ groupId: group.id, appName: "Twin" }, admin), isCode("bad_request"));
    assert.equal((await grantApp({ groupId: group.id, appName: "Example" }, admin)).changed, false, "granted above");
    await deleteGroup({ groupId: group.id }, admin);
  });
});
