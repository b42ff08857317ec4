/**
 * Password sign-in over HTTP, through next-auth's own endpoints (csrf, then
 * POST /api/auth/callback/credentials): failures say nothing about whether the
 * account exists, failures are rate limited per (account, client address)
 * pair and per client address (never per account alone: nobody elsewhere can
 * lock the owner out), the admin switch turns password sign-in off, and every failure is
 * audited with the client's address and user agent.
 *
 * The server trusts X-Forwarded-For (TRUST_PROXY=true), so each request can
 * come from the client address the test chooses.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type FerryServer, startFerry } from "./helpers/ferry-server";
import { queryDatabase } from "./helpers/test-database";

let server: FerryServer;

const MEMBER = { email: "member@example.com", password: "member-password-1" };
const OTHER = { email: "other@example.com", password: "other-password-1" };

type Attempt = { status: number; url: string; error: string | null; sessionCookie: string | null };

async function attemptSignIn(
  email: string,
  password: string,
  from: { ip: string; userAgent?: string },
): Promise<Attempt> {
  const headers = { "x-forwarded-for": from.ip, "user-agent": from.userAgent ?? "ferry-sign-in-test/1.0" };
  const csrfRes = await fetch(`${server.baseUrl}/api/auth/csrf`, { headers });
  assert.equal(csrfRes.status, 200);
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  const cookies = csrfRes.headers.getSetCookie().map((c) => c.split(";")[0]);
  const res = await fetch(`${server.baseUrl}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { ...headers, "content-type": "application/x-www-form-urlencoded", cookie: cookies.join("; ") },
    body: new URLSearchParams({ csrfToken, email, password, json: "true" }),
  });
  const { url } = (await res.json()) as { url: string };
  const session = res.headers.getSetCookie().find((c) => c.startsWith("next-auth.session-token="));
  return {
    status: res.status,
    url,
    error: new URL(url).searchParams.get("error"),
    sessionCookie: session ? (session.split(";")[0] ?? null) : null,
  };
}

type AuditRow = {
  action: string;
  actor_id: string | null;
  actor_email: string | null;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  user_agent: string | null;
  details: unknown;
  app_id: string | null;
  build_id: string | null;
};

async function audit(action: string, where = "TRUE", params: unknown[] = []): Promise<AuditRow[]> {
  return queryDatabase<AuditRow>(
    server.databaseUrl,
    `SELECT action, actor_id, actor_email, target_type, target_id, ip, user_agent, details, app_id, build_id
       FROM audit_events WHERE action = $1 AND (${where}) ORDER BY id`,
    [action, ...params],
  );
}

before(
  async () => {
    server = await startFerry({ env: { TRUST_PROXY: "true" } });
    for (const user of [MEMBER, OTHER]) {
      const created = await server.cli(["user", "create", "--email", user.email, "--password", user.password]);
      assert.equal(created.code, 0, created.stderr);
    }
  },
  { timeout: 120_000 },
);

after(async () => {
  await server?.stop();
});

describe("password sign-in", { timeout: 180_000 }, () => {
  test("the right password signs in", async () => {
    const ok = await attemptSignIn(OTHER.email, OTHER.password, { ip: "10.0.1.1" });
    assert.equal(ok.status, 200);
    assert.equal(ok.error, null);
    assert.ok(ok.sessionCookie, "a session cookie is set");
  });

  test("a wrong password and an unknown account get the same answer", async () => {
    const from = { ip: "10.0.2.1" };
    const wrongPassword = await attemptSignIn(MEMBER.email, "not-the-password", from);
    const unknownAccount = await attemptSignIn("nobody@example.com", "not-the-password", from);
    assert.equal(wrongPassword.status, 401);
    assert.deepEqual(unknownAccount, wrongPassword, "status, redirect target and cookies are identical");
    assert.equal(wrongPassword.error, "CredentialsSignin");
    assert.equal(wrongPassword.sessionCookie, null);
  });

  test("failures are audited with address, user agent and email, the same whether or not the account exists", async () => {
    const userAgent = "Mozilla/5.0 (audit probe)";
    await attemptSignIn(MEMBER.email, "wrong-1", { ip: "10.0.3.1", userAgent });
    await attemptSignIn("ghost@example.com", "wrong-1", { ip: "10.0.3.1", userAgent });
    const rows = await audit("sign_in.failure", "ip = $2", ["10.0.3.1"]);
    assert.equal(rows.length, 2);
    const [existing, ghost] = rows;
    assert.ok(existing && ghost);
    assert.equal(existing.target_id, MEMBER.email);
    assert.equal(ghost.target_id, "ghost@example.com");
    for (const row of rows) {
      assert.equal(row.ip, "10.0.3.1");
      assert.equal(row.user_agent, userAgent);
    }
    // Apart from the attempted email, the two rows are the same: no actor, same target type, same details.
    const { target_id: _a, ...existingRest } = existing;
    const { target_id: _b, ...ghostRest } = ghost;
    assert.deepEqual(existingRest, ghostRest);
    assert.equal(existing.actor_id, null);
    assert.equal(existing.target_type, "email");
  });

  test("after 10 failures for one account from one address, that pair is refused; the owner elsewhere is not", async () => {
    for (let i = 0; i < 10; i++) {
      const failed = await attemptSignIn(MEMBER.email, `guess-${i}`, { ip: "10.0.4.1" });
      assert.equal(failed.status, 401);
      assert.equal(failed.error, "CredentialsSignin", `attempt ${i + 1} is an ordinary failure`);
    }
    const refused = await attemptSignIn(MEMBER.email, MEMBER.password, { ip: "10.0.4.1" });
    assert.equal(refused.status, 401);
    assert.equal(refused.error, "TooManyAttempts");
    assert.equal(refused.sessionCookie, null);

    const limited = await audit("sign_in.rate_limited", "target_id = $2", [MEMBER.email]);
    assert.equal(limited.length, 1);
    assert.equal(limited[0]?.ip, "10.0.4.1");

    // The attacker's ten guesses do not lock the owner out: from their own address they sign in.
    const owner = await attemptSignIn(MEMBER.email, MEMBER.password, { ip: "10.0.4.2" });
    assert.equal(owner.status, 200, String(owner.error));
    assert.ok(owner.sessionCookie);

    // The attacker's address may still try other accounts (until the address limit below).
    const other = await attemptSignIn(OTHER.email, OTHER.password, { ip: "10.0.4.1" });
    assert.equal(other.status, 200);
    assert.ok(other.sessionCookie);
  });

  test("after 30 failures from one address, across accounts, that address is blocked", async () => {
    const ip = "10.0.5.1";
    for (let i = 0; i < 30; i++) {
      const failed = await attemptSignIn(`spray-${i}@example.com`, "password123", { ip });
      assert.equal(failed.error, "CredentialsSignin", `attempt ${i + 1} is an ordinary failure`);
    }
    const blocked = await attemptSignIn(OTHER.email, OTHER.password, { ip });
    assert.equal(blocked.status, 401);
    assert.equal(blocked.error, "TooManyAttempts");
    const limited = await audit("sign_in.rate_limited", "ip = $2", [ip]);
    assert.equal(limited.length, 1);
    assert.equal(limited[0]?.target_id, OTHER.email);

    // The same account from another address still signs in: only the address is blocked.
    const elsewhere = await attemptSignIn(OTHER.email, OTHER.password, { ip: "10.0.5.2" });
    assert.equal(elsewhere.status, 200);
    assert.ok(elsewhere.sessionCookie);
  });

  test("addresses a client puts in front of X-Forwarded-For are ignored: the one the proxy appended counts", async () => {
    // TRUST_PROXY=true is one proxy: only the right-most entry was written by it.
    for (let i = 0; i < 10; i++) {
      const failed = await attemptSignIn(MEMBER.email, `spoof-${i}`, { ip: `198.51.100.${i + 1}, 10.0.6.1` });
      assert.equal(failed.error, "CredentialsSignin");
    }
    const refused = await attemptSignIn(MEMBER.email, MEMBER.password, { ip: "203.0.113.99, 10.0.6.1" });
    assert.equal(refused.error, "TooManyAttempts", "made-up addresses in front do not escape the limit");
    const rows = await audit("sign_in.failure", "target_id = $2 AND ip LIKE $3", [MEMBER.email, "198.51.100.%"]);
    assert.equal(rows.length, 0, "no made-up address is audited");
    assert.equal((await audit("sign_in.failure", "ip = $2", ["10.0.6.1"])).length, 10);
  });

  test("with password sign-in switched off, even the right password is refused", async () => {
    await queryDatabase(
      server.databaseUrl,
      "INSERT INTO settings (key, value, updated_at) VALUES ('localLoginEnabled', 'false', now())",
    );
    try {
      const refused = await attemptSignIn(server.admin.email, server.admin.password, { ip: "10.0.6.1" });
      assert.equal(refused.status, 401);
      assert.equal(refused.error, "LocalLoginDisabled");
      assert.equal(refused.sessionCookie, null);

      // The sign-in page no longer shows the form and says why when asked.
      const page = await fetch(`${server.baseUrl}/sign-in?error=LocalLoginDisabled`);
      const html = await page.text();
      assert.doesNotMatch(html, /type="password"/);
      assert.match(html, /Email and password sign-in is switched off; use single sign-on\./);
    } finally {
      await queryDatabase(server.databaseUrl, "DELETE FROM settings WHERE key = 'localLoginEnabled'");
    }
    const ok = await attemptSignIn(server.admin.email, server.admin.password, { ip: "10.0.6.1" });
    assert.equal(ok.status, 200, "switched back on, it works again");
  });

  test("the sign-in page explains each error code and never echoes an unknown one", async () => {
    const cases: [string, RegExp][] = [
      ["TooManyAttempts", /Too many failed attempts\. Wait 15 minutes and try again\./],
      ["AccessDenied", /Your account is disabled or was not allowed to sign in/],
      ["CredentialsSignin", /The email or password is not correct\./],
      ["OAuthSignin", /Could not start signing in with single sign-on/],
      ["<script>alert(1)</script>", /Sign-in did not work\. Try again\./],
    ];
    for (const [code, message] of cases) {
      const res = await fetch(`${server.baseUrl}/sign-in?error=${encodeURIComponent(code)}`);
      assert.equal(res.status, 200);
      const html = await res.text();
      assert.match(html, message, code);
      assert.doesNotMatch(html, /<script>alert\(1\)<\/script>/);
      assert.match(html, /type="password"/, "the password form is shown (no SSO configured)");
    }
  });
});
