/** Domain tests: account changes against a real database, no server. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Actor, CLI_ACTOR, userActor } from "@/lib/access/actor";
import { AppError } from "@/lib/errors";
import { findInstallLinkUser, findUserById } from "@/lib/users/data";
import {
  changeUserRole,
  createUser,
  disableUser,
  enableUser,
  revokeUserSessions,
  setUserPassword,
} from "@/lib/users/mutations";
import { useDomainDatabase } from "@/tests/helpers/domain-database";

let db: Awaited<ReturnType<typeof useDomainDatabase>>;
let admin: Actor;
let member: Actor;
const context = { ip: "203.0.113.7", userAgent: "domain-test" };

before(async () => {
  db = await useDomainDatabase();
  admin = userActor(await createUser({ email: "admin@example.com", role: "admin" }, CLI_ACTOR), context);
  member = userActor(await createUser({ email: "member@example.com", role: "member" }, CLI_ACTOR), context);
});
after(async () => db?.cleanup());

async function auditRows(action: string, targetId: string) {
  return db.query<{ actor_email: string | null; ip: string | null; details: Record<string, unknown> }>(
    "SELECT actor_email, ip, details FROM audit_events WHERE action = $1 AND target_id = $2 ORDER BY id",
    [action, targetId],
  );
}

function rejectsWith(code: string) {
  return (error: unknown) => error instanceof AppError && error.code === code;
}

describe("user mutations", () => {
  it("create: stores the user and audits who did it, from where", async () => {
    const user = await createUser({ email: " New@Example.com ", role: "uploader", password: "long-enough" }, admin);
    assert.equal(user.email, "new@example.com");
    const [row] = await auditRows("user.create", user.id);
    assert.equal(row?.actor_email, "admin@example.com");
    assert.equal(row?.ip, "203.0.113.7");
    assert.deepEqual(row?.details, { email: "new@example.com", role: "uploader", password: true });
  });

  it("create: bad input and duplicates are refused with specific codes, nothing stored", async () => {
    await assert.rejects(createUser({ email: "not-an-email" }, admin), rejectsWith("bad_request"));
    await assert.rejects(createUser({ email: "x@example.com", password: "short" }, admin), rejectsWith("bad_request"));
    await assert.rejects(createUser({ email: "NEW@example.com" }, admin), rejectsWith("conflict"));
    const rows = await db.query("SELECT 1 FROM users WHERE email = 'x@example.com'");
    assert.equal(rows.length, 0);
  });

  it("every change is admin-only: a member is refused before anything is read or written", async () => {
    const target = (await findUserById((admin as { user: { id: string } }).user.id))!;
    const before = await db.query("SELECT count(*)::int AS n FROM audit_events");
    await assert.rejects(createUser({ email: "sneaky@example.com" }, member), rejectsWith("forbidden"));
    await assert.rejects(changeUserRole({ userId: target.id, role: "member" }, member), rejectsWith("forbidden"));
    await assert.rejects(disableUser({ userId: target.id }, member), rejectsWith("forbidden"));
    await assert.rejects(enableUser({ userId: target.id }, member), rejectsWith("forbidden"));
    await assert.rejects(revokeUserSessions({ userId: target.id }, member), rejectsWith("forbidden"));
    await assert.rejects(
      setUserPassword({ userId: target.id, password: "taken-over!" }, member),
      rejectsWith("forbidden"),
    );
    assert.deepEqual(await db.query("SELECT count(*)::int AS n FROM audit_events"), before);
    assert.equal((await findUserById(target.id))?.role, "admin");
  });

  it("admins cannot demote or disable themselves", async () => {
    const self = (admin as { user: { id: string } }).user.id;
    await assert.rejects(changeUserRole({ userId: self, role: "member" }, admin), rejectsWith("forbidden"));
    await assert.rejects(disableUser({ userId: self }, admin), rejectsWith("forbidden"));
  });

  it("role change, disable and enable report whether anything changed and audit only real changes", async () => {
    const user = await createUser({ email: "toggle@example.com" }, admin);
    assert.equal((await changeUserRole({ userId: user.id, role: "member" }, admin)).changed, false);
    assert.equal((await changeUserRole({ userId: user.id, role: "uploader" }, admin)).changed, true);
    assert.equal((await disableUser({ userId: user.id }, admin)).changed, true);
    assert.equal((await disableUser({ userId: user.id }, admin)).changed, false);
    assert.equal((await enableUser({ userId: user.id }, admin)).changed, true);
    assert.equal((await auditRows("user.role_change", user.id)).length, 1);
    assert.equal((await auditRows("user.disable", user.id)).length, 1);
    assert.equal((await auditRows("user.enable", user.id)).length, 1);
  });

  it("disabling revokes the user's API tokens and ends their sessions", async () => {
    const user = await createUser({ email: "leaver@example.com" }, admin);
    await db.query(
      "INSERT INTO api_tokens (id, user_id, name, token_hash, prefix, scopes) VALUES (gen_random_uuid(), $1, 't', 'h1', 'p', '{read}')",
      [user.id],
    );
    assert.ok(await findInstallLinkUser(user.id, 0));
    await disableUser({ userId: user.id }, admin);
    assert.equal(await findInstallLinkUser(user.id, 0), null);
    const [token] = await db.query<{ revoked_at: Date | null }>(
      "SELECT revoked_at FROM api_tokens WHERE user_id = $1",
      [user.id],
    );
    assert.ok(token?.revoked_at);
  });

  it("signing out everywhere also revokes API tokens; a new password keeps them", async () => {
    const user = await createUser({ email: "tokens-everywhere@example.com" }, admin);
    const tokens = async () =>
      db.query<{ name: string; revoked: boolean }>(
        "SELECT name, revoked_at IS NOT NULL AS revoked FROM api_tokens WHERE user_id = $1 ORDER BY name",
        [user.id],
      );
    for (const name of ["ci", "laptop"]) {
      await db.query(
        "INSERT INTO api_tokens (id, user_id, name, token_hash, prefix, scopes) VALUES (gen_random_uuid(), $1, $2, $3, 'p', '{upload}')",
        [user.id, name, `hash-${name}`],
      );
    }
    await setUserPassword({ userId: user.id, password: "another-password-1" }, admin);
    assert.deepEqual(
      (await tokens()).map((t) => t.revoked),
      [false, false],
      "a new password keeps API tokens",
    );
    const result = await revokeUserSessions({ userId: user.id }, admin);
    assert.equal(result.tokensRevoked, 2);
    assert.deepEqual(
      (await tokens()).map((t) => t.revoked),
      [true, true],
      "sign out everywhere revokes every API token",
    );
  });

  it("setting a password or signing out everywhere ends existing sessions", async () => {
    const user = await createUser({ email: "sessions@example.com" }, admin);
    await revokeUserSessions({ userId: user.id }, admin);
    assert.equal(await findInstallLinkUser(user.id, 0), null);
    assert.ok(await findInstallLinkUser(user.id, 1));
    await setUserPassword({ userId: user.id, password: "a-new-password" }, admin);
    assert.equal(await findInstallLinkUser(user.id, 1), null);
    await assert.rejects(setUserPassword({ userId: user.id, password: "short" }, admin), rejectsWith("bad_request"));
  });

  it("an unknown user is not_found", async () => {
    await assert.rejects(
      disableUser({ userId: "00000000-0000-4000-8000-000000000000" }, admin),
      rejectsWith("not_found"),
    );
  });

  it("addresses without a dot in the domain are accepted, as Ferry's own first admin admin@localhost", async () => {
    const user = await createUser({ email: "ops@localhost", role: "admin" }, CLI_ACTOR);
    assert.equal(user.email, "ops@localhost");
  });

  it("the CLI acts as an operator: audited with via=cli and no signed-in actor", async () => {
    const user = await createUser({ email: "cli-made@example.com" }, CLI_ACTOR);
    const [row] = await auditRows("user.create", user.id);
    assert.equal(row?.actor_email, null);
    assert.equal(row?.details.via, "cli");
  });
});
