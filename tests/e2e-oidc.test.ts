/**
 * Single sign-on end to end in a real browser against a real OpenID Provider
 * (oidc-provider, tests/helpers/oidc-provider.ts): authorization code flow
 * with PKCE, state and nonce; a first sign-in creates a member, a known email
 * links the existing account, disabled accounts and unverified emails are
 * refused with an explanation, and disabling a signed-in user ends the session.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, newDesktopContext, waitForHydration } from "./helpers/browser";
import { type FerryServer, startFerry } from "./helpers/ferry-server";
import {
  ALICE,
  reservePort,
  startOidcProvider,
  type TestAccount,
  type TestOidcProvider,
} from "./helpers/oidc-provider";
import { queryDatabase } from "./helpers/test-database";

const SSO_NAME = "Acme SSO";
const BOB: TestAccount = {
  sub: "bob-0002",
  email: "bob@example.com",
  emailVerified: true,
  name: "Bob",
  password: "bob-idp-password",
};
const CAROL: TestAccount = {
  sub: "carol-0003",
  email: "carol@example.com",
  emailVerified: true,
  name: "Carol",
  password: "carol-idp-password",
};
/** Signs in with JavaScript switched off. */
const DANA: TestAccount = {
  sub: "dana-0005",
  email: "dana@example.com",
  emailVerified: true,
  name: "Dana",
  password: "dana-idp-password",
};
/** Claims the admin's address without the provider having verified it. */
const MALLORY: TestAccount = {
  sub: "mallory-0004",
  email: "admin@example.com",
  emailVerified: false,
  name: "Mallory",
  password: "mallory-idp-password",
};

let server: FerryServer;
let op: TestOidcProvider;
let browser: Browser;

type UserRow = {
  id: string;
  email: string;
  name: string | null;
  role: string;
  oidc_subject: string | null;
  has_password: boolean;
};

async function usersWithEmail(email: string): Promise<UserRow[]> {
  return queryDatabase<UserRow>(
    server.databaseUrl,
    "SELECT id, email, name, role::text AS role, oidc_subject, password_hash IS NOT NULL AS has_password FROM users WHERE email = $1",
    [email],
  );
}

async function disable(email: string): Promise<void> {
  await queryDatabase(
    server.databaseUrl,
    "UPDATE users SET disabled_at = now(), session_version = session_version + 1 WHERE email = $1",
    [email],
  );
}

/** Clicks and waits until the page has committed the navigation it causes (through any redirects) and loaded. */
async function clickAndNavigate(page: Page, click: () => Promise<void>): Promise<void> {
  const before = page.url();
  const navigated = page.waitForEvent("framenavigated", {
    // Next.js also reports same-URL history updates as navigations: wait for a new address.
    predicate: (frame) => frame === page.mainFrame() && frame.url() !== before,
    timeout: 30_000,
  });
  await click();
  await navigated;
  await page.waitForLoadState("load");
}

/**
 * From Ferry's sign-in page: clicks the SSO button and goes through the
 * provider's pages (login form, consent) as far as they are shown, until the
 * browser is back on Ferry.
 */
async function signInWithSso(
  page: Page,
  account: TestAccount,
  options: { javaScript: boolean } = { javaScript: true },
): Promise<{ loginShown: boolean; consentShown: boolean }> {
  const ferry = new URL(server.baseUrl).origin;
  const seen = { loginShown: false, consentShown: false };
  // Before hydration the button has no click handler yet (without JavaScript it is a plain form's submit).
  if (options.javaScript) await waitForHydration(page, "main button");
  await clickAndNavigate(page, () => page.getByRole("button", { name: `Sign in with ${SSO_NAME}` }).click());
  for (let step = 0; step < 4 && new URL(page.url()).origin !== ferry; step++) {
    if (await page.getByLabel("Username").isVisible()) {
      seen.loginShown = true;
      await page.getByLabel("Username").fill(account.email);
      await page.getByLabel("Password").fill(account.password);
      await clickAndNavigate(page, () => page.getByRole("button", { name: "Log in" }).click());
    } else if (await page.getByRole("button", { name: "Allow" }).isVisible()) {
      seen.consentShown = true;
      await clickAndNavigate(page, () => page.getByRole("button", { name: "Allow" }).click());
    } else {
      throw new Error(`unexpected page at ${page.url()}:\n${(await page.content()).slice(0, 2000)}`);
    }
  }
  assert.equal(new URL(page.url()).origin, ferry, `back on Ferry, not at ${page.url()}`);
  return seen;
}

async function auditRows(action: string): Promise<{ target_type: string; target_id: string; details: unknown }[]> {
  return queryDatabase(
    server.databaseUrl,
    "SELECT target_type, target_id, details FROM audit_events WHERE action = $1 ORDER BY id",
    [action],
  );
}

before(
  async () => {
    // The provider's port is held while Ferry picks its own, then handed over.
    const opPort = await reservePort();
    const clientSecret = "ferry-test-client-secret";
    server = await startFerry({
      env: {
        OIDC_ISSUER: `http://127.0.0.1:${opPort.port}`,
        OIDC_CLIENT_ID: "ferry",
        OIDC_CLIENT_SECRET: clientSecret,
        OIDC_NAME: SSO_NAME,
      },
    });
    await opPort.release();
    op = await startOidcProvider({
      port: opPort.port,
      clientId: "ferry",
      clientSecret,
      redirectUris: [`${server.baseUrl}/api/auth/callback/oidc`],
      accounts: [ALICE, BOB, CAROL, DANA, MALLORY],
    });
    browser = await launchBrowser();
  },
  { timeout: 120_000 },
);

after(async () => {
  await browser?.close();
  await op?.stop();
  await server?.stop();
});

describe("single sign-on with an OpenID Provider", { timeout: 180_000 }, () => {
  test("the sign-in page offers SSO first and still the password form", async () => {
    const context = await newDesktopContext(browser);
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/`);
    assert.equal(new URL(page.url()).pathname, "/sign-in");
    await page.getByRole("button", { name: `Sign in with ${SSO_NAME}` }).waitFor();
    assert.ok(await page.getByLabel("Email").isVisible());
    assert.ok(await page.getByLabel("Password").isVisible());
    assert.ok(await page.getByRole("button", { name: "Sign in", exact: true }).isVisible());
    await context.close();
  });

  test("a first sign-in creates a member keyed by issuer|sub", async () => {
    const context = await newDesktopContext(browser);
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/`);
    const seen = await signInWithSso(page, ALICE);
    assert.ok(seen.loginShown, "the provider asked for a login");
    assert.ok(seen.consentShown, "the provider asked for consent");
    assert.equal(new URL(page.url()).pathname, "/", "back where the user started");
    await page.getByRole("heading", { name: "Apps" }).waitFor();
    assert.ok(await page.getByText(ALICE.email).isVisible(), "her email is in the header");

    const rows = await usersWithEmail(ALICE.email);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.role, "member");
    assert.equal(rows[0]?.name, ALICE.name);
    assert.equal(rows[0]?.oidc_subject, `${op.issuer}|${ALICE.sub}`);
    assert.equal(rows[0]?.has_password, false);
    const success = (await auditRows("sign_in.success")).filter((r) => r.target_id === ALICE.email);
    assert.deepEqual(
      success.map((r) => (r.details as { method?: string }).method),
      ["oidc"],
    );

    // A second sign-in finds her by subject: still one account.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL((url) => url.pathname === "/sign-in");
    await signInWithSso(page, ALICE);
    await page.getByText(ALICE.email).waitFor();
    assert.equal((await usersWithEmail(ALICE.email)).length, 1);
    await context.close();
  });

  test("an existing local account with the same email is linked, not duplicated", async () => {
    const created = await server.cli(["user", "create", "--email", BOB.email, "--password", "bob-local-password"]);
    assert.equal(created.code, 0, created.stderr);
    const [before] = await usersWithEmail(BOB.email);
    assert.ok(before);
    assert.equal(before.oidc_subject, null);

    const context = await newDesktopContext(browser);
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/sign-in`);
    await signInWithSso(page, BOB);
    await page.getByText(BOB.email).waitFor();
    const rows = await usersWithEmail(BOB.email);
    assert.equal(rows.length, 1, "no second account");
    assert.equal(rows[0]?.id, before.id, "the same account");
    assert.equal(rows[0]?.oidc_subject, `${op.issuer}|${BOB.sub}`);
    assert.equal(rows[0]?.has_password, true, "the password is kept");
    await context.close();
  });

  test("next to SSO the password form still works and explains a failure", async () => {
    const context = await newDesktopContext(browser);
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/sign-in`);
    await waitForHydration(page, "main button");
    await page.getByLabel("Email").fill(BOB.email);
    await page.getByLabel("Password").fill("not-bob-local-password");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    const alert = page.locator("main").getByRole("alert");
    await alert.waitFor();
    assert.equal((await alert.textContent())?.trim(), "The email or password is not correct.");

    // Bob's local password survived the linking.
    await page.getByLabel("Password").fill("bob-local-password");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL((url) => url.pathname !== "/sign-in");
    await page.getByText(BOB.email).waitFor();
    await context.close();
  });

  test("a disabled account cannot sign in through SSO and is told why", async () => {
    const created = await server.cli(["user", "create", "--email", CAROL.email, "--password", "carol-local-password"]);
    assert.equal(created.code, 0, created.stderr);
    await disable(CAROL.email);

    const context = await newDesktopContext(browser);
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/sign-in`);
    await signInWithSso(page, CAROL);
    const url = new URL(page.url());
    assert.equal(url.pathname, "/sign-in");
    assert.equal(url.searchParams.get("error"), "AccessDenied");
    const alert = page.locator("main").getByRole("alert");
    await alert.waitFor();
    assert.match((await alert.textContent()) ?? "", /Your account is disabled or was not allowed to sign in/);
    const cookies = await context.cookies(server.baseUrl);
    assert.ok(!cookies.some((c) => c.name.includes("session-token")), "no session cookie");
    const [carol] = await usersWithEmail(CAROL.email);
    assert.equal(carol?.oidc_subject, null, "a disabled account is not linked either");
    const refused = (await auditRows("sign_in.failure")).filter((r) => r.target_id === `${op.issuer}|${CAROL.sub}`);
    assert.equal(refused.length, 1);
    assert.equal((refused[0]?.details as { reason?: string } | undefined)?.reason, "disabled");
    await context.close();
  });

  test("an email the provider has not verified is refused and links nothing", async () => {
    const context = await newDesktopContext(browser);
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/sign-in`);
    await signInWithSso(page, MALLORY);
    assert.equal(new URL(page.url()).searchParams.get("error"), "AccessDenied");
    await page.locator("main").getByRole("alert").waitFor();
    const [admin] = await usersWithEmail(MALLORY.email);
    assert.equal(admin?.oidc_subject, null, "the admin account was not taken over");
    await context.close();
  });

  test("a signed-in user who is disabled is thrown out on the next page load", async () => {
    const context = await newDesktopContext(browser);
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/sign-in`);
    await signInWithSso(page, ALICE);
    await page.getByText(ALICE.email).waitFor();

    await disable(ALICE.email);
    await page.reload();
    assert.equal(new URL(page.url()).pathname, "/sign-in", "sent to sign-in");
    assert.equal(await page.getByText(ALICE.email).count(), 0, "no longer shown as signed in");

    // The provider still has her session, so it answers at once: Ferry refuses her.
    const seen = await signInWithSso(page, ALICE);
    assert.equal(seen.loginShown, false, "the provider did not ask again");
    assert.equal(new URL(page.url()).searchParams.get("error"), "AccessDenied");
    await context.close();
  });

  test("a cancelled provider sign-in comes back with an explanation", async () => {
    const context = await newDesktopContext(browser);
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/sign-in`);
    await waitForHydration(page, "main button");
    await page.getByRole("button", { name: `Sign in with ${SSO_NAME}` }).click();
    await page.getByLabel("Username").waitFor();
    await page.getByRole("button", { name: "Cancel" }).click();
    await page.waitForURL((url) => url.origin === new URL(server.baseUrl).origin && url.pathname === "/sign-in");
    // next-auth v4 reports an error answer from the provider as "Callback".
    assert.equal(new URL(page.url()).searchParams.get("error"), "Callback");
    const alert = page.locator("main").getByRole("alert");
    await alert.waitFor();
    assert.match((await alert.textContent()) ?? "", new RegExp(`Signing in with ${SSO_NAME} did not complete`));
    await context.close();
  });

  test("without JavaScript, Sign in with <provider> is a form that posts and signs in", async () => {
    const context = await browser.newContext({
      javaScriptEnabled: false,
      viewport: { width: 390, height: 844 },
      colorScheme: "dark",
    });
    try {
      const page = await context.newPage();
      // A deep link: the return address survives the round trip through the provider.
      await page.goto(`${server.baseUrl}/devices`);
      assert.equal(new URL(page.url()).pathname, "/sign-in");
      const form = page.getByTestId("sso-form");
      assert.equal(await form.getAttribute("method"), "post");
      assert.equal(await form.getAttribute("action"), "/api/auth/signin/oidc");
      assert.ok(((await form.locator('input[name="csrfToken"]').getAttribute("value")) ?? "").length > 0);
      assert.equal(await form.locator('input[name="callbackUrl"]').getAttribute("value"), "/devices");
      // The post is answered with a redirect to the provider: the sign-in page's form-action admits
      // the provider's origin (browsers hold such redirects to it), and no other page's does.
      const formAction = async (pathname: string) =>
        /form-action ([^;]*)/.exec(
          (await fetch(`${server.baseUrl}${pathname}`)).headers.get("content-security-policy") ?? "",
        )?.[1];
      assert.equal(await formAction("/sign-in"), `'self' ${new URL(op.issuer).origin}`);
      assert.equal(await formAction("/no-such-page"), "'self'");
      const seen = await signInWithSso(page, DANA, { javaScript: false });
      assert.ok(seen.loginShown, "the provider's login page was reached");
      assert.equal(new URL(page.url()).pathname, "/devices", "back where the user started");
      // Signed in: the page itself, not the sign-in page (the header's email is hidden at 390 px).
      await page.getByRole("heading", { name: "Your devices" }).waitFor();
      const rows = await usersWithEmail(DANA.email);
      assert.equal(rows.length, 1);
      assert.equal(rows[0]?.oidc_subject, `${op.issuer}|${DANA.sub}`);
    } finally {
      await context.close();
    }
  });

  test("with password sign-in switched off only the SSO button is offered", async () => {
    await queryDatabase(
      server.databaseUrl,
      "INSERT INTO settings (key, value, updated_at) VALUES ('localLoginEnabled', 'false', now())",
    );
    try {
      const context = await newDesktopContext(browser);
      const page = await context.newPage();
      await page.goto(`${server.baseUrl}/sign-in`);
      await page.getByRole("button", { name: `Sign in with ${SSO_NAME}` }).waitFor();
      assert.equal(await page.getByLabel("Password").count(), 0);
      assert.equal(await page.getByRole("button", { name: "Sign in", exact: true }).count(), 0);
      // SSO still works.
      await signInWithSso(page, BOB);
      await page.getByText(BOB.email).waitFor();
      await context.close();
    } finally {
      await queryDatabase(server.databaseUrl, "DELETE FROM settings WHERE key = 'localLoginEnabled'");
    }
  });
});
