import assert from "node:assert/strict";
import { test } from "node:test";
import { CLI_ACTOR, SYSTEM_ACTOR, userActor } from "@/lib/access/actor";
import { ACTIONS, type Action, authorize, can } from "@/lib/access/policy";
import { ROLES, type UserRole } from "@/lib/access/roles";
import { AppError } from "@/lib/errors";
import { scopesAllowedFor } from "@/lib/tokens/scopes";
import type { UserDto } from "@/lib/users/data";

const user = (role: UserRole, disabled = false, id = `${role}-id`): UserDto => ({
  id,
  email: `${role}@example.com`,
  name: null,
  role,
  disabled,
  sessionVersion: 1,
});

/**
 * What each role may do, written out by hand (not derived from PERMISSIONS):
 * a change to the table must change this too. "A" admin, "U" uploader, "M" member.
 */
const EXPECTED: Record<Action, string> = {
  "app.read": "AUM",
  "app.create": "A",
  "app.manage": "A",
  "build.upload": "AU",
  "build.edit": "AU",
  "build.promote": "AU",
  "build.delete": "AU",
  "build.read-all-warnings": "AU",
  "build.read-stats": "A",
  "channel.read-all": "A",
  "channel.manage": "A",
  "channel.rename": "AU",
  "channel.delete": "AU",
  "profile.inspect": "AU",
  "device.read": "A",
  "device.manage": "A",
  "device.read-all": "A",
  "device.export": "A",
  "device.import": "A",
  "admin.open": "A",
  "user.read": "A",
  "user.manage": "A",
  "group.manage": "A",
  "webhook.read": "A",
  "webhook.manage": "A",
  "audit.read": "A",
  "settings.manage": "A",
  "server.read-health": "A",
  "signing.manage": "A",
  "app-store-connect.manage": "A",
  "device.provision": "A",
  "app.watch": "AUM",
  "update-key.manage": "AU",
  "token.manage": "",
};

const LETTER: Record<UserRole, string> = { admin: "A", uploader: "U", member: "M" };

test("every action of the table is in the expected matrix, and no other", () => {
  assert.deepEqual([...ACTIONS].sort(), Object.keys(EXPECTED).sort());
});

test("roles × actions: each role may do exactly what the matrix says (users and user actors alike)", () => {
  for (const action of ACTIONS) {
    for (const role of ROLES) {
      const expected = EXPECTED[action].includes(LETTER[role]);
      assert.equal(can(user(role), action), expected, `${role} ${action}`);
      assert.equal(
        can(userActor(user(role), { ip: null, userAgent: null }), action),
        expected,
        `actor ${role} ${action}`,
      );
    }
  }
});

test("disabled users and nobody may do nothing; the CLI and Ferry itself everything", () => {
  for (const action of ACTIONS) {
    for (const role of ROLES) assert.equal(can(user(role, true), action), false, `disabled ${role} ${action}`);
    assert.equal(can(null, action), false);
    assert.equal(can(undefined, action), false);
    assert.equal(can(CLI_ACTOR, action), true);
    assert.equal(can(SYSTEM_ACTOR, action), true);
  }
});

test("owner rules: a user acts on their own device and token, never on someone else's", () => {
  const member = user("member");
  assert.equal(can(member, "device.manage", { ownerId: member.id }), true);
  assert.equal(can(member, "device.manage", { ownerId: "someone-else" }), false);
  assert.equal(can(member, "device.manage", { ownerId: null }), false);
  assert.equal(can(member, "device.provision", { ownerId: member.id }), true);
  assert.equal(can(member, "device.provision", { ownerId: "someone-else" }), false);
  assert.equal(can(user("uploader"), "device.provision", { ownerId: null }), false);
  assert.equal(can(member, "device.manage"), false);
  assert.equal(can(user("member", true), "device.manage", { ownerId: "member-id" }), false);
  // Admins manage every device, but even they mint tokens only for themselves.
  assert.equal(can(user("admin"), "device.manage", { ownerId: "someone-else" }), true);
  assert.equal(can(user("admin"), "token.manage", { ownerId: "admin-id" }), true);
  assert.equal(can(user("admin"), "token.manage", { ownerId: "someone-else" }), false);
  // An owner rule never widens a role-only action.
  assert.equal(can(member, "device.export", { ownerId: member.id }), false);
});

test("authorize throws 403 forbidden with the action's sentence", () => {
  assert.doesNotThrow(() => authorize(user("uploader"), "build.upload"));
  assert.throws(
    () => authorize(user("member"), "build.upload"),
    (e: unknown) =>
      e instanceof AppError &&
      e.code === "forbidden" &&
      e.status === 403 &&
      e.message === "Only admins and uploaders can upload builds.",
  );
  assert.throws(
    () => authorize(user("uploader"), "user.read"),
    (e: unknown) => e instanceof AppError && e.message === "Forbidden: only admins can do this.",
  );
});

test("token scopes follow the table: only roles that may upload get the upload scope, only admins `sign`", () => {
  assert.deepEqual([...scopesAllowedFor("admin")], ["upload", "read", "sign"]);
  assert.deepEqual([...scopesAllowedFor("uploader")], ["upload", "read"]);
  assert.deepEqual([...scopesAllowedFor("member")], ["read"]);
});
