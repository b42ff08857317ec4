/** The command line against a real database, as admins and CI scripts use it. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type FerryServer, startFerry } from "./helpers/ferry-server";
import { queryDatabase } from "./helpers/test-database";

let server: FerryServer;
before(async () => {
  server = await startFerry();
});
after(async () => server?.stop());

test("token create prints the token and nothing else; it is stored hashed", async () => {
  const result = await server.cli([
    "token",
    "create",
    "--email",
    server.admin.email,
    "--name",
    "CI",
    "--expires",
    "30d",
  ]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^ferry_[A-Za-z0-9_-]{43}\n$/);
  const token = result.stdout.trim();
  const rows = await queryDatabase<{ token_hash: string; expires_at: Date }>(
    server.databaseUrl,
    "SELECT token_hash, expires_at FROM api_tokens",
  );
  assert.equal(rows.length, 1);
  assert.notEqual(rows[0]!.token_hash, token);
  assert.ok(!rows[0]!.token_hash.includes(token.slice(6, 20)), "the secret is not stored");
  const days = (rows[0]!.expires_at.getTime() - Date.now()) / 86_400_000;
  assert.ok(days > 29.9 && days <= 30, `expires in 30 days (${days})`);
  const res = await fetch(`${server.baseUrl}/api/v1/apps`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
});

test("errors go to stderr with a non-zero exit and nothing on stdout", async () => {
  const unknown = await server.cli(["token", "create", "--email", "nobody@example.com", "--name", "x"]);
  assert.equal(unknown.code, 1);
  assert.equal(unknown.stdout, "");
  assert.match(unknown.stderr, /No user with the email nobody@example.com/);
  const usage = await server.cli(["token", "create", "--email", server.admin.email]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /needs --email and --name/);
  const bogus = await server.cli(["frobnicate"]);
  assert.equal(bogus.code, 2);
  assert.match(bogus.stderr, /Usage:/);
});

test("user disable and the local-login switch", async () => {
  const created = await server.cli([
    "user",
    "create",
    "--email",
    "leaver@example.com",
    "--password",
    "leaver-password",
  ]);
  assert.equal(created.code, 0, created.stderr);
  const token = (
    await server.cli(["token", "create", "--email", "leaver@example.com", "--name", "t", "--scopes", "read"])
  ).stdout.trim();
  assert.equal((await server.cli(["user", "disable", "--email", "leaver@example.com"])).code, 0);
  const res = await fetch(`${server.baseUrl}/api/v1/apps`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 401);
  // The same rule as the admin page: without single sign-on, switching passwords off would lock everyone out.
  const off = await server.cli(["local-login", "off"]);
  assert.equal(off.code, 1);
  assert.match(off.stderr, /cannot be switched off: single sign-on is not configured/);
  assert.equal(off.stdout, "");
  const [row] = await queryDatabase<{ value: unknown }>(
    server.databaseUrl,
    "SELECT value FROM settings WHERE key = 'localLoginEnabled'",
  );
  assert.equal(row, undefined, "nothing stored");
  assert.equal((await server.cli(["local-login", "on"])).stdout, "local-login on\n");
});

test("changes made on the CLI are audited like the same changes on the web", async () => {
  const created = await server.cli(["user", "create", "--email", "audited@example.com", "--password", "audited-pw-1"]);
  assert.equal(created.code, 0, created.stderr);
  const userId = created.stdout.trim();
  const token = await server.cli([
    "token",
    "create",
    "--email",
    "audited@example.com",
    "--name",
    "ci",
    "--scopes",
    "read",
  ]);
  assert.equal(token.code, 0, token.stderr);
  assert.equal((await server.cli(["user", "disable", "--email", "audited@example.com"])).code, 0);
  const rows = await queryDatabase<{
    action: string;
    target_id: string | null;
    actor_id: string | null;
    details: Record<string, unknown>;
  }>(
    server.databaseUrl,
    "SELECT action, target_id, actor_id, details FROM audit_events WHERE action IN ('user.create', 'token.create', 'user.disable') AND (target_id = $1 OR details->>'owner' = 'audited@example.com') ORDER BY id",
    [userId],
  );
  assert.deepEqual(
    rows.map((r) => r.action),
    ["user.create", "token.create", "user.disable"],
  );
  for (const row of rows) {
    assert.equal(row.actor_id, null, "no signed-in actor");
    assert.equal(row.details.via, "cli");
  }
  assert.equal(rows[0]!.details.email, "audited@example.com");
  assert.deepEqual(rows[1]!.details.scopes, ["read"]);
});

test("the CLI refuses what the web refuses: a member gets no upload token", async () => {
  assert.equal((await server.cli(["user", "create", "--email", "m@example.com", "--password", "member-pw-1"])).code, 0);
  const refused = await server.cli([
    "token",
    "create",
    "--email",
    "m@example.com",
    "--name",
    "x",
    "--scopes",
    "upload",
  ]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /Members can create read-only tokens/);
  const fine = await server.cli(["token", "create", "--email", "m@example.com", "--name", "x"]);
  assert.equal(fine.code, 0, fine.stderr);
  const [row] = await queryDatabase<{ scopes: string[] }>(
    server.databaseUrl,
    "SELECT t.scopes FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE u.email = 'm@example.com'",
  );
  assert.deepEqual(row!.scopes, ["read"], "a member's default is read only");
});

test("the CLI validates a token's name with the web's rule: at most 100 characters, nothing stored", async () => {
  const stored = await queryDatabase<{ n: number }>(server.databaseUrl, "SELECT count(*)::int AS n FROM api_tokens");
  const tooLong = await server.cli(["token", "create", "--email", server.admin.email, "--name", "x".repeat(101)]);
  assert.equal(tooLong.code, 1);
  assert.equal(tooLong.stdout, "");
  assert.match(tooLong.stderr, /The name must be at most 100 characters\./);
  const blank = await server.cli(["token", "create", "--email", server.admin.email, "--name", "   "]);
  assert.equal(blank.code, 1);
  assert.match(blank.stderr, /Give the token a name/);
  const storedAfter = await queryDatabase<{ n: number }>(
    server.databaseUrl,
    "SELECT count(*)::int AS n FROM api_tokens",
  );
  assert.equal(storedAfter[0]!.n, stored[0]!.n, "no token stored");
  const longest = await server.cli(["token", "create", "--email", server.admin.email, "--name", "y".repeat(100)]);
  assert.equal(longest.code, 0, longest.stderr);
});
