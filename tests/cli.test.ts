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
  assert.equal((await server.cli(["local-login", "off"])).stdout, "local-login off\n");
  let [row] = await queryDatabase<{ value: unknown }>(
    server.databaseUrl,
    "SELECT value FROM settings WHERE key = 'localLoginEnabled'",
  );
  assert.equal(row!.value, false);
  await server.cli(["local-login", "on"]);
  [row] = await queryDatabase<{ value: unknown }>(
    server.databaseUrl,
    "SELECT value FROM settings WHERE key = 'localLoginEnabled'",
  );
  assert.equal(row!.value, true);
});
