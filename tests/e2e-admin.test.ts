/**
 * The admin pages and API tokens in a real desktop browser against a real
 * server: an admin creates a member, a group, grants it an app; the member's
 * access follows every change (grant, revoke, disable); the member's own read
 * token works until revoked; the audit log shows it all.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { launchBrowser, newDesktopContext, signIn } from "./helpers/browser";
import { createToken, type FerryServer, startFerry } from "./helpers/ferry-server";
import { makeTestBuild } from "./helpers/test-builds";

const MEMBER = { email: "maria.member@example.com", name: "Maria Member", password: "member-pass-123" };
const GROUP = "QA testers";

type Build = { id: string; appId: string; name: string; installUrl: string };

let server: FerryServer;
let browser: Browser;
let adminContext: BrowserContext;
let memberContext: BrowserContext;
let admin: Page;
let member: Page;
let build: Build;
/** The admin's "Grant" server-action request, replayed later by people who may not grant. */
let grantRequest: { url: string; headers: Record<string, string>; body: Buffer };

/** Runs `submit` and accepts the window.confirm it opens. */
async function confirming(page: Page, submit: () => Promise<void>): Promise<string> {
  const message = new Promise<string>((resolve) => {
    page.once("dialog", (dialog) => {
      resolve(dialog.message());
      void dialog.accept();
    });
  });
  await submit();
  return message;
}

function userRow(page: Page, email: string): Locator {
  return page.locator(`[data-testid="user-row"][data-email="${email}"]`);
}

function groupCard(page: Page, name: string): Locator {
  return page.locator(`[data-testid="group-card"][data-group="${name}"]`);
}

async function auditActions(page: Page, search = ""): Promise<string[]> {
  await page.goto(`${server.baseUrl}/admin/audit${search}`);
  await page.getByRole("heading", { name: "Audit log" }).waitFor();
  return page
    .locator('[data-testid="audit-row"]')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-action") ?? ""));
}

async function apiApps(token: string): Promise<{ status: number; ids: string[] }> {
  const res = await fetch(`${server.baseUrl}/api/v1/apps`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as { apps?: { id: string }[] };
  return { status: res.status, ids: (body.apps ?? []).map((a) => a.id) };
}

before(
  async () => {
    server = await startFerry();
    browser = await launchBrowser();
    adminContext = await newDesktopContext(browser);
    adminContext.setDefaultTimeout(30_000);
    admin = await adminContext.newPage();
    await signIn(admin, server.baseUrl, server.admin.email, server.admin.password);
  },
  { timeout: 180_000 },
);

after(
  async () => {
    await browser?.close().catch(() => {});
    await server?.stop();
  },
  { timeout: 60_000 },
);

describe("admin pages (desktop Chromium)", () => {
  test("the admin creates a member with a password", { timeout: 60_000 }, async () => {
    await admin.goto(`${server.baseUrl}/`);
    await admin.getByRole("link", { name: "Admin", exact: true }).click();
    await admin.waitForURL(/\/admin\/users$/);
    await admin.getByRole("heading", { name: "Users" }).waitFor();

    const form = admin.getByTestId("create-user-form");
    await form.getByLabel("Email").fill(MEMBER.email);
    await form.getByLabel("Name (optional)").fill(MEMBER.name);
    await form.getByLabel("Role", { exact: true }).selectOption("member");
    await form.getByLabel("Password (optional)").fill(MEMBER.password);
    await form.getByRole("button", { name: "Create user" }).click();
    await form
      .getByRole("status")
      .filter({ hasText: `Created ${MEMBER.email}` })
      .waitFor();

    const row = userRow(admin, MEMBER.email);
    await row.waitFor();
    assert.equal(await row.getAttribute("data-status"), "active");
    assert.equal(await row.getByLabel(`Role of ${MEMBER.email}`).inputValue(), "member");
    assert.match((await row.textContent()) ?? "", /Password/);
    assert.equal(await form.getByLabel("Email").inputValue(), "", "the form is cleared after success");

    // The same email again: an inline error, and what was typed stays.
    await form.getByLabel("Email").fill(MEMBER.email.toUpperCase());
    await form.getByRole("button", { name: "Create user" }).click();
    await form.getByRole("alert").filter({ hasText: "already exists" }).waitFor();
    assert.equal(await form.getByLabel("Email").inputValue(), MEMBER.email.toUpperCase());

    // Bad input is explained, not thrown.
    await form.getByLabel("Email").fill("new.person@example.com");
    await form.getByLabel("Password (optional)").evaluate((el) => el.removeAttribute("minlength"));
    await form.getByLabel("Password (optional)").fill("short");
    await form.getByRole("button", { name: "Create user" }).click();
    await form.getByRole("alert").filter({ hasText: "at least 8 characters" }).waitFor();
    assert.equal(await userRow(admin, "new.person@example.com").count(), 0);
  });

  test("an admin can neither disable nor demote themselves", { timeout: 60_000 }, async () => {
    await admin.goto(`${server.baseUrl}/admin/users`);
    const self = userRow(admin, server.admin.email);
    const message = await confirming(admin, () => self.getByRole("button", { name: "Disable" }).click());
    assert.match(message, /Disable admin@example\.com\?/);
    await self.getByRole("alert").filter({ hasText: "You cannot disable your own account." }).waitFor();

    await self.getByLabel(`Role of ${server.admin.email}`).selectOption("member");
    await self.getByRole("button", { name: "Save" }).click();
    await self.getByRole("alert").filter({ hasText: "cannot remove your own admin role" }).waitFor();

    await admin.reload();
    assert.equal(await userRow(admin, server.admin.email).getAttribute("data-status"), "active");
    assert.equal(
      await userRow(admin, server.admin.email)
        .getByLabel(/^Role of/)
        .inputValue(),
      "admin",
    );
  });

  test("the admin creates a group and adds the member", { timeout: 60_000 }, async () => {
    await admin.goto(`${server.baseUrl}/admin/groups`);
    const form = admin.getByTestId("create-group-form");
    await form.getByLabel("Group name").fill(GROUP);
    await form.getByRole("button", { name: "Create group" }).click();
    const card = groupCard(admin, GROUP);
    await card.waitFor();

    await card.getByLabel("Member email").fill("nobody@example.com");
    await card.getByRole("button", { name: "Add member" }).click();
    await card.getByRole("alert").filter({ hasText: "No user has the email nobody@example.com" }).waitFor();

    await card.getByLabel("Member email").fill(MEMBER.email);
    await card.getByRole("button", { name: "Add member" }).click();
    await card.locator('[data-testid="group-member"]').filter({ hasText: MEMBER.email }).waitFor();

    await admin.goto(`${server.baseUrl}/admin/users`);
    assert.match((await userRow(admin, MEMBER.email).textContent()) ?? "", new RegExp(GROUP));
  });

  test("a build uploaded through the API is granted to the group", { timeout: 90_000 }, async () => {
    const token = await createToken(server);
    const form = new FormData();
    const file = (await makeTestBuild({ bundleId: "com.example.ferry.admin-e2e", name: "AdminE2E" })).path;
    form.append("file", await fs.openAsBlob(file), path.basename(file));
    const res = await fetch(`${server.baseUrl}/api/v1/builds`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    assert.equal(res.status, 201);
    build = ((await res.json()) as { build: Build }).build;

    await admin.goto(`${server.baseUrl}/admin/groups`);
    const card = groupCard(admin, GROUP);
    await card.getByLabel(`App to grant to ${GROUP}`).fill("com.example.ferry.admin-e2e");
    // The groups page's forms are plain posts to the page (lib/groups/forms.ts).
    const request = admin.waitForRequest((r) => r.method() === "POST" && new URL(r.url()).pathname === "/admin/groups");
    await card.getByRole("button", { name: "Grant" }).click();
    const sent = await request;
    const all = await sent.allHeaders();
    grantRequest = {
      url: sent.url(),
      headers: { "content-type": all["content-type"] ?? "" },
      body: sent.postDataBuffer() ?? Buffer.alloc(0),
    };
    assert.match(grantRequest.body.toString(), /(^|&)_action=grant-app(&|$)/);
    await card.locator('[data-testid="group-app"]').filter({ hasText: build.name }).waitFor();

    await admin.goto(`${server.baseUrl}/admin/apps`);
    const app = admin.locator(`[data-testid="app-access"][data-app="${build.name}"]`);
    await app.locator('[data-testid="app-group"]').filter({ hasText: GROUP }).waitFor();
    assert.match((await app.textContent()) ?? "", /Restricted/);
  });

  test("the member signs in and sees the granted app, but no admin pages", { timeout: 60_000 }, async () => {
    memberContext = await newDesktopContext(browser);
    memberContext.setDefaultTimeout(30_000);
    member = await memberContext.newPage();
    await signIn(member, server.baseUrl, MEMBER.email, MEMBER.password);

    await member.goto(`${server.baseUrl}/`);
    await member.getByRole("link", { name: new RegExp(build.name) }).waitFor();
    assert.equal(await member.getByRole("link", { name: "Admin", exact: true }).count(), 0);
    assert.equal(await member.getByRole("link", { name: "API tokens" }).count(), 1);

    const appPage = await member.goto(`${server.baseUrl}/apps/${build.appId}`);
    assert.equal(appPage?.status(), 200);
    assert.equal(await member.locator('[data-testid="install-counts"]').count(), 0, "counts are for admins only");

    for (const page of ["users", "groups", "apps", "audit", "settings"]) {
      const response = await member.goto(`${server.baseUrl}/admin/${page}`);
      assert.equal(response?.status(), 404, `/admin/${page} is a 404 for members`);
      await member.getByRole("heading", { name: "Not found" }).waitFor();
      assert.equal(await member.getByTestId("admin-nav").count(), 0);
    }
  });

  test("admins see per-build install counts", { timeout: 60_000 }, async () => {
    await admin.goto(`${server.baseUrl}/apps/${build.appId}`);
    const counts = admin.locator('[data-testid="install-counts"]');
    assert.match((await counts.textContent()) ?? "", /0 downloads · 0 distinct users · 0 manifest fetches/);

    // Install it the way an iPhone would: the manifest, then the .ipa it names.
    // Whichever link the page offers (the muted "try anyway" one if the profile had expired).
    const href =
      (await admin
        .locator('[data-testid="install-link"], [data-testid="install-anyway-link"]')
        .first()
        .getAttribute("href")) ?? "";
    const manifestUrl = new URL(href).searchParams.get("url") ?? "";
    const manifest = await fetch(manifestUrl);
    assert.equal(manifest.status, 200);
    const ipaUrl = /<string>(http[^<]+\.ipa)<\/string>/.exec(await manifest.text())?.[1] ?? "";
    const ipa = await fetch(ipaUrl.replaceAll("&amp;", "&"));
    assert.equal(ipa.status, 200);
    await ipa.arrayBuffer();

    await admin.reload();
    assert.match((await counts.textContent()) ?? "", /1 download · 1 distinct user · 1 manifest fetch/);
  });

  test("the member's read token is shown once, works, and stops when revoked", { timeout: 60_000 }, async () => {
    await member.goto(`${server.baseUrl}/`);
    await member.getByRole("link", { name: "API tokens" }).click();
    await member.waitForURL(/\/settings\/tokens$/);
    const form = member.getByTestId("create-token-form");
    assert.equal(await form.getByRole("checkbox", { name: /^upload/ }).isDisabled(), true);
    assert.equal(await form.getByRole("checkbox", { name: /^read/ }).isChecked(), true);

    // The server refuses an upload scope even if the page is tampered with.
    await form.getByRole("checkbox", { name: /^upload/ }).evaluate((el) => {
      (el as HTMLInputElement).disabled = false;
      (el as HTMLInputElement).checked = true;
    });
    await form.getByLabel("Name").fill("sneaky");
    await form.getByRole("button", { name: "Create token" }).click();
    await form.getByRole("alert").filter({ hasText: "Members can create read-only tokens" }).waitFor();
    assert.equal(await member.locator('[data-testid="token-row"]').count(), 0);

    await member.reload();
    await form.getByLabel("Name").fill("laptop script");
    await form.getByLabel("Expires in (days, optional)").fill("30");
    await form.getByRole("button", { name: "Create token" }).click();
    const shown = member.getByTestId("new-token-value");
    await shown.waitFor();
    const token = await shown.inputValue();
    assert.match(token, /^ferry_[A-Za-z0-9_-]{43}$/);
    await member.getByTestId("new-token").getByRole("button", { name: "Copy" }).waitFor();

    const row = member.locator('[data-testid="token-row"][data-name="laptop script"]');
    await row.waitFor();
    assert.match((await row.textContent()) ?? "", new RegExp(`ferry_${token.slice(6, 14)}…`));
    assert.doesNotMatch((await row.textContent()) ?? "", /upload/);

    const ok = await apiApps(token);
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.ids, [build.appId]);

    // Shown once: a reload lists the token but not its secret.
    await member.reload();
    await row.waitFor();
    assert.equal(await member.getByTestId("new-token").count(), 0);
    assert.equal((await member.content()).includes(token), false);

    await row.getByRole("button", { name: "Revoke" }).click();
    await member.locator('[data-testid="token-row"][data-name="laptop script"][data-status="revoked"]').waitFor();
    assert.equal((await apiApps(token)).status, 401);
  });

  test("revoking the grant takes the app away from the member", { timeout: 60_000 }, async () => {
    await admin.goto(`${server.baseUrl}/admin/groups`);
    const granted = groupCard(admin, GROUP).locator('[data-testid="group-app"]').filter({ hasText: build.name });
    await granted.getByRole("button", { name: "Revoke" }).click();
    await groupCard(admin, GROUP).getByText("No apps granted yet.").waitFor();

    const response = await member.goto(`${server.baseUrl}/apps/${build.appId}`);
    assert.equal(response?.status(), 404);
    await member.goto(`${server.baseUrl}/`);
    await member.getByRole("heading", { name: "Apps" }).waitFor();
    assert.equal(await member.getByRole("link", { name: new RegExp(build.name) }).count(), 0);
  });

  test("the grant action refuses members and signed-out callers", { timeout: 60_000 }, async () => {
    // The member replays the admin's exact "Grant" post with their own session: the page is a 404 for them…
    const asMember = await memberContext.request.post(grantRequest.url, {
      headers: { ...grantRequest.headers, origin: server.baseUrl },
      data: grantRequest.body,
      maxRedirects: 0,
    });
    assert.equal(asMember.status(), 404);
    // …and without any session it is the way to sign in.
    const anonymous = await fetch(grantRequest.url, {
      method: "POST",
      redirect: "manual",
      headers: { ...grantRequest.headers, origin: server.baseUrl },
      body: new Uint8Array(grantRequest.body),
    });
    assert.equal(anonymous.status, 303);
    assert.match(anonymous.headers.get("location") ?? "", /\/sign-in\?/);
    // Nothing changed.
    const response = await member.goto(`${server.baseUrl}/apps/${build.appId}`);
    assert.equal(response?.status(), 404);
    assert.equal((await auditActions(admin, "?action=app.grant")).length, 1);
  });

  test("an app visible to everyone needs no grant", { timeout: 60_000 }, async () => {
    await admin.goto(`${server.baseUrl}/admin/apps`);
    const app = admin.locator(`[data-testid="app-access"][data-app="${build.name}"]`);
    await app.getByLabel("Visible to").selectOption("everyone");
    await app.getByRole("button", { name: "Save" }).click();
    await app.getByRole("status").filter({ hasText: "visible to everyone signed in" }).waitFor();
    assert.equal((await member.goto(`${server.baseUrl}/apps/${build.appId}`))?.status(), 200);

    await app.getByLabel("Visible to").selectOption("restricted");
    await app.getByRole("button", { name: "Save" }).click();
    await app.getByRole("status").filter({ hasText: "visible only to its groups" }).waitFor();
    assert.equal(await app.getByLabel("Visible to").inputValue(), "restricted");
    assert.equal((await member.goto(`${server.baseUrl}/apps/${build.appId}`))?.status(), 404);
  });

  test("disabling the member signs them out at their next page load", { timeout: 60_000 }, async () => {
    await admin.goto(`${server.baseUrl}/admin/users`);
    const row = userRow(admin, MEMBER.email);
    const message = await confirming(admin, () => row.getByRole("button", { name: "Disable" }).click());
    assert.match(message, /signed out everywhere/);
    await admin.locator(`[data-testid="user-row"][data-email="${MEMBER.email}"][data-status="disabled"]`).waitFor();
    await userRow(admin, MEMBER.email).getByRole("button", { name: "Enable" }).waitFor();

    await member.goto(`${server.baseUrl}/`);
    await member.waitForURL(/\/sign-in/);
    await member.getByRole("button", { name: "Sign in" }).waitFor();
  });

  test("the audit log lists every change, filters by action and searches", { timeout: 60_000 }, async () => {
    const all = await auditActions(admin);
    for (const action of [
      "user.create",
      "group.create",
      "group.member_add",
      "build.upload",
      "app.grant",
      "token.create",
      "token.revoke",
      "app.revoke",
      "user.disable",
      "app.visibility_change",
      "manifest.fetch",
      "ipa.download",
    ]) {
      assert.ok(all.includes(action), `${action} is in the audit log: ${all.join(", ")}`);
    }
    // Newest first.
    assert.ok(all.indexOf("user.disable") < all.indexOf("app.revoke"));
    assert.ok(all.indexOf("app.revoke") < all.indexOf("app.grant"));
    assert.ok(all.indexOf("app.grant") < all.indexOf("user.create"));
    // Refused changes leave no trace: the first admin (created by Ferry at first start) and the member.
    assert.equal(all.filter((a) => a === "user.create").length, 2);
    assert.equal(all.filter((a) => a === "user.disable").length, 1);

    // Each row shows who did it, from where, with what.
    const disable = admin.locator('[data-testid="audit-row"][data-action="user.disable"]');
    const text = (await disable.textContent()) ?? "";
    assert.ok(text.includes(server.admin.email), text);
    assert.ok(text.includes(MEMBER.email), text);
    assert.ok(text.includes("127.0.0.1"), text);
    assert.ok(text.includes("Chrome/126"), text);
    const grant = admin.locator('[data-testid="audit-row"][data-action="app.grant"]');
    assert.ok(((await grant.textContent()) ?? "").includes(build.name));

    // The action filter, through the form.
    await admin.getByLabel("Action").selectOption("user.disable");
    await admin.getByRole("button", { name: "Search" }).click();
    await admin.waitForURL(/action=user\.disable/);
    const filtered = await admin
      .locator('[data-testid="audit-row"]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-action")));
    assert.deepEqual(filtered, ["user.disable"]);

    // Text search by email: what the member did, and what was done to their account.
    const mine = await auditActions(admin, `?q=${encodeURIComponent(MEMBER.email)}`);
    for (const action of ["token.create", "sign_in.success", "user.create", "user.disable"]) {
      assert.ok(mine.includes(action), `${action} found by the member's email: ${mine.join(", ")}`);
    }
    assert.ok(!mine.includes("group.create"));

    // Paging: "before" an event lists the events older than it, newest first.
    await auditActions(admin);
    const ids = await admin
      .locator('[data-testid="audit-row"]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-id") ?? ""));
    const olderThanThird = await auditActions(admin, `?before=${ids[2]}`);
    assert.deepEqual(olderThanThird, all.slice(3, 3 + olderThanThird.length));
    assert.ok(olderThanThird.length > 0);
  });

  test("email and password sign-in cannot be switched off without SSO", { timeout: 60_000 }, async () => {
    await admin.goto(`${server.baseUrl}/admin/settings`);
    const form = admin.getByTestId("sign-in-settings-form");
    await form.getByText("Switching this off requires single sign-on").waitFor();
    const box = form.getByRole("checkbox", { name: /Email and password sign-in/ });
    assert.equal(await box.isChecked(), true);
    await box.uncheck();
    await form.getByRole("button", { name: "Save" }).click();
    await form.getByRole("alert").filter({ hasText: "single sign-on is not configured" }).waitFor();
    await admin.reload();
    assert.equal(await box.isChecked(), true);
    assert.equal((await auditActions(admin, "?action=settings.change")).length, 0);
  });

  test("an admin who signs themselves out everywhere lands on the sign-in page", { timeout: 60_000 }, async () => {
    await admin.goto(`${server.baseUrl}/admin/users`);
    const message = await confirming(admin, () =>
      userRow(admin, server.admin.email).getByRole("button", { name: "Sign out everywhere" }).click(),
    );
    assert.match(message, /API tokens are revoked/, "the confirmation says API tokens go too");
    await admin.waitForURL(/\/sign-in/);
    const response = await admin.goto(`${server.baseUrl}/admin/users`);
    assert.match(response?.url() ?? "", /\/sign-in\?callbackUrl=%2Fadmin%2Fusers/);
  });
});
