/**
 * The install page leads with the right build (issue 18): the default
 * channel's newest, not the newest upload; other channels' builds labelled and
 * secondary; older versions collapsed (without JavaScript too); same-version
 * builds told apart; a blocked build shows no Install card; one "ask" message;
 * and a shared link to something the reader cannot see says whom to ask,
 * revealing nothing about the app. On an emulated iPhone and a desktop, in
 * light and dark mode.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import {
  DESKTOP_USER_AGENT,
  fillSignInForm,
  iPhoneDescriptor,
  launchBrowser,
  newDesktopContext,
} from "./helpers/browser";
import { createToken, createUser, type FerryServer, startFerry } from "./helpers/ferry-server";
import { generateIpa } from "./helpers/generate-ipa";
import { queryDatabase } from "./helpers/test-database";
import { embeddedProfile } from "./helpers/test-profile";

const APP = { bundleId: "com.example.ferry.lead", name: "FerryLeadE2E" };
const BLOCKED_APP = { bundleId: "com.example.ferry.lead-blocked", name: "FerryLeadBlocked" };
const HIDDEN_APP = { bundleId: "com.example.ferry.lead-hidden", name: "SecretProjectX" };
const member = { email: "lead-member@example.com", password: "lead-member-password-1" };

type BuildJson = { id: string; appId: string; version: string; buildNumber: string };
type StorageState = Awaited<ReturnType<BrowserContext["storageState"]>>;

let server: FerryServer;
let scratch: string;
let browser: Browser;
let memberState: StorageState;
let adminState: StorageState;
const builds = {} as Record<"expired" | "old" | "prod" | "dup" | "beta" | "blocked" | "hidden", BuildJson>;

async function upload(
  token: string,
  label: string,
  app: { bundleId: string; name: string },
  meta: { version: string; buildNumber: string; channel?: string; expired?: boolean; pad?: number },
): Promise<BuildJson> {
  const file = path.join(scratch, `${label}.ipa`);
  const profile = meta.expired
    ? embeddedProfile(app.name, app.bundleId, { bundleId: app.bundleId, expires: new Date("2018-04-01T00:00:00Z") })
    : embeddedProfile(app.name, app.bundleId);
  await generateIpa(file, {
    ...app,
    version: meta.version,
    buildNumber: meta.buildNumber,
    padBytes: meta.pad ?? 1024,
    extraFiles: [profile],
  });
  const form = new FormData();
  form.append("file", await fs.openAsBlob(file), `${label}.ipa`);
  if (meta.channel) form.append("channel", meta.channel);
  const res = await fetch(`${server.baseUrl}/api/v1/builds`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  assert.equal(res.status, 201, await res.clone().text());
  return ((await res.json()) as { build: BuildJson }).build;
}

async function signedInState(email: string, password: string): Promise<StorageState> {
  const context = await newDesktopContext(browser);
  const page = await context.newPage();
  await page.goto(`${server.baseUrl}/sign-in`);
  await fillSignInForm(page, email, password);
  const state = await context.storageState();
  await context.close();
  return state;
}

before(
  async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-e2e-lead-"));
    const dataDir = path.join(scratch, "data");
    fs.mkdirSync(dataDir);
    server = await startFerry({ dataDir });
    const token = await createToken(server);
    // Oldest first. production: an expired build, then 0.9, then 1.0 (1), its newest.
    builds.expired = await upload(token, "expired", APP, {
      version: "0.8",
      buildNumber: "1",
      channel: "production",
      expired: true,
    });
    builds.old = await upload(token, "old", APP, { version: "0.9", buildNumber: "1", channel: "production" });
    builds.prod = await upload(token, "prod", APP, { version: "1.0", buildNumber: "1", channel: "production" });
    // The same version and build number again (other bytes), marked as re-signed, in the default channel.
    builds.dup = await upload(token, "dup", APP, { version: "1.0", buildNumber: "1", pad: 2048 });
    // The newest upload is a beta: it must not lead.
    builds.beta = await upload(token, "beta", APP, { version: "2.0", buildNumber: "5", channel: "beta" });
    builds.blocked = await upload(token, "blocked", BLOCKED_APP, { version: "3.0", buildNumber: "1", expired: true });
    builds.hidden = await upload(token, "hidden", HIDDEN_APP, { version: "9.9", buildNumber: "9" });
    await queryDatabase(server.databaseUrl, "UPDATE builds SET resigned_from_id = $1 WHERE id = $2", [
      builds.prod.id,
      builds.dup.id,
    ]);
    // Everyone sees the first two apps; the hidden one stays restricted to admins.
    await queryDatabase(server.databaseUrl, "UPDATE apps SET visibility = 'everyone' WHERE bundle_id = ANY($1)", [
      [APP.bundleId, BLOCKED_APP.bundleId],
    ]);
    await createUser(server, { ...member, role: "member" });
    browser = await launchBrowser();
    memberState = await signedInState(member.email, member.password);
    adminState = await signedInState(server.admin.email, server.admin.password);
  },
  { timeout: 240_000 },
);

after(
  async () => {
    await browser?.close().catch(() => {});
    await server?.stop();
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  },
  { timeout: 60_000 },
);

const VARIANTS = [
  { name: "iPhone, light", device: "iphone", colorScheme: "light" },
  { name: "iPhone, dark", device: "iphone", colorScheme: "dark" },
  { name: "desktop, light", device: "desktop", colorScheme: "light" },
  { name: "desktop, dark", device: "desktop", colorScheme: "dark" },
] as const;

async function contextFor(
  variant: (typeof VARIANTS)[number],
  state: StorageState,
  javaScriptEnabled = true,
): Promise<BrowserContext> {
  const options = { storageState: state, colorScheme: variant.colorScheme, javaScriptEnabled } as const;
  if (variant.device === "iphone") return browser.newContext({ ...iPhoneDescriptor(), ...options });
  return browser.newContext({
    userAgent: DESKTOP_USER_AGENT,
    viewport: { width: 1280, height: 900 },
    deviceScaleFactor: 1,
    isMobile: false,
    hasTouch: false,
    ...options,
  });
}

const text = async (page: Page, selector: string) => (await page.locator(selector).first().textContent()) ?? "";

describe("the default channel leads", () => {
  for (const variant of VARIANTS) {
    test(`${variant.name}: production's newest leads over a newer beta; others labelled, older collapsed`, {
      timeout: 90_000,
    }, async () => {
      const context = await contextFor(variant, memberState);
      try {
        const page = await context.newPage();
        const res = await page.goto(`${server.baseUrl}/apps/${builds.prod.appId}`);
        assert.equal(res?.status(), 200);
        // The lead card: production's 1.0 (1), not the newer beta 2.0 (5).
        const lead = page.locator('[data-testid="build-row"][data-place="lead"]');
        assert.equal(await lead.count(), 1);
        assert.match((await lead.textContent()) ?? "", /Version 1\.0 \(1\)/);
        assert.match((await page.locator("#lead-heading").textContent()) ?? "", /production/);
        assert.match((await lead.locator('[data-testid="channel-badges"]').textContent()) ?? "", /production/);
        // One big Install (iPhone) / one QR code (desktop), both the lead's.
        const leadLink = lead.locator('[data-testid="install-link"]');
        assert.equal(await leadLink.count(), 1);
        if (variant.device === "iphone") {
          assert.match((await leadLink.textContent()) ?? "", /Install 1\.0 \(1\)/);
          assert.equal(await page.locator('[data-testid="install-qr"]').count(), 0);
          assert.ok(await lead.locator('[data-testid="install-steps"]').isVisible(), "trust steps with the lead");
        } else {
          const qrs = page.locator('[data-testid="install-qr"]');
          assert.equal(await qrs.count(), 1, "one QR code");
          assert.equal(await lead.locator('[data-testid="install-qr"]').count(), 1, "the lead's");
        }
        // Every other install link is small: the lead's is the only big button.
        const bigButtons = await page
          .locator('[data-testid="install-link"]')
          .evaluateAll((els) => els.filter((el) => el.className.includes("py-3")).length);
        assert.equal(bigButtons, 1);

        // Other channels' newer builds: labelled with their channel, shown second, not collapsed.
        const others = page.locator('[data-testid="build-row"][data-place="channel"]');
        const otherTexts = await others.allTextContents();
        assert.equal(otherTexts.length, 2, JSON.stringify(otherTexts));
        const beta = others.filter({ hasText: "Version 2.0 (5)" });
        assert.ok(await beta.isVisible());
        assert.match((await beta.locator('[data-testid="channel-badges"]').textContent()) ?? "", /beta/);

        // Same version and build number: told apart by re-signed, channel and digest.
        const same = page.locator('[data-testid="same-version"]');
        assert.equal(await same.count(), 2, "both 1.0 (1) builds say another has their version");
        const dup = others.filter({ hasText: "Version 1.0 (1)" });
        assert.equal(await dup.locator('[data-testid="resigned-badge"]').count(), 1);
        assert.match((await dup.locator('[data-testid="channel-badges"]').textContent()) ?? "", /default/);
        assert.equal(await lead.locator('[data-testid="resigned-badge"]').count(), 0);
        const digests = await same.locator("code").allTextContents();
        assert.equal(new Set(digests).size, 2, `different digests: ${digests}`);

        // Older versions: collapsed until opened.
        const older = page.locator('[data-testid="older-versions"]');
        assert.match((await older.locator(":scope > summary").textContent()) ?? "", /Older versions \(2\)/);
        const oldRow = older.locator('[data-testid="build-row"]').filter({ hasText: "Version 0.9 (1)" });
        assert.equal(await oldRow.isVisible(), false);
        await older.locator(":scope > summary").click();
        assert.ok(await oldRow.isVisible());

        // The expired build: no Install card, its reason in a line, and one "ask" on the whole page.
        const expired = older.locator('[data-testid="build-row"]').filter({ hasText: "Version 0.8 (1)" });
        assert.equal(await expired.locator('[data-testid="install-link"]').count(), 0);
        assert.match((await expired.locator('[data-testid="install-blocked"]').textContent()) ?? "", /expired/);
        assert.equal(await page.locator('[data-testid="ask-uploader"]').count(), 1);
        const main = (await page.locator("main").textContent()) ?? "";
        assert.equal(main.match(/\bask\b/gi)?.length, 1, "one ask on the page");
      } finally {
        await context.close();
      }
    });
  }

  test("without JavaScript the older versions open too (a <details>)", { timeout: 60_000 }, async () => {
    const context = await contextFor(VARIANTS[0], memberState, false);
    try {
      const page = await context.newPage();
      await page.goto(`${server.baseUrl}/apps/${builds.prod.appId}`);
      const older = page.locator('[data-testid="older-versions"]');
      const row = older.locator('[data-testid="build-row"]').first();
      assert.equal(await row.isVisible(), false);
      await older.locator(":scope > summary").click();
      assert.ok(await row.isVisible());
    } finally {
      await context.close();
    }
  });

  test("the app list shows the default channel's version, not the newest upload", { timeout: 60_000 }, async () => {
    for (const variant of [VARIANTS[0], VARIANTS[3]]) {
      const context = await contextFor(variant, memberState);
      try {
        const page = await context.newPage();
        await page.goto(`${server.baseUrl}/`);
        const entry = page.locator(`a[href="/apps/${builds.prod.appId}"]`);
        const entryText = (await entry.textContent()) ?? "";
        assert.match(entryText, /1\.0 \(1\)/, entryText);
        assert.doesNotMatch(entryText, /2\.0 \(5\)/, entryText);
      } finally {
        await context.close();
      }
    }
    // The API says the same, and names the default channel.
    const res = await fetch(`${server.baseUrl}/api/v1/apps`, {
      headers: { authorization: `Bearer ${await createToken(server)}` },
    });
    const { apps } = (await res.json()) as {
      apps: { id: string; defaultChannel: string | null; lead: { id: string } | null; latest: { id: string } | null }[];
    };
    const app = apps.find((a) => a.id === builds.prod.appId);
    assert.equal(app?.defaultChannel, "production");
    assert.equal(app?.lead?.id, builds.prod.id);
    assert.equal(app?.latest?.id, builds.beta.id);
  });

  test("a blocked lead: no Install card, the reason and one ask message", { timeout: 60_000 }, async () => {
    for (const variant of VARIANTS) {
      const context = await contextFor(variant, memberState);
      try {
        const page = await context.newPage();
        await page.goto(`${server.baseUrl}/apps/${builds.blocked.appId}`);
        const lead = page.locator('[data-testid="build-row"][data-place="lead"]');
        assert.match((await lead.locator('[data-testid="install-blocked"]').textContent()) ?? "", /expired/);
        assert.equal(await page.locator('[data-testid="install-link"]').count(), 0, variant.name);
        assert.equal(await page.locator('[data-testid="install-qr"]').count(), 0, variant.name);
        assert.equal(await page.locator('[data-testid="install-steps"]').count(), 0, variant.name);
        const asks = page.locator('[data-testid="ask-uploader"]');
        assert.equal(await asks.count(), 1, variant.name);
        assert.match((await asks.textContent()) ?? "", new RegExp(`Ask ${server.admin.email.replace(".", "\\.")}`));
        assert.equal(((await page.locator("main").textContent()) ?? "").match(/\bask\b/gi)?.length, 1);
        // Its channel's page gives the same verdict: no Install (nor QR, nor steps) that iOS would refuse.
        await page.goto(`${server.baseUrl}/apps/${builds.blocked.appId}/channels/default`);
        assert.match((await page.locator('[data-testid="install-blocked"]').textContent()) ?? "", /expired/);
        for (const id of ["channel-install-link", "channel-install-desktop", "install-steps"]) {
          assert.equal(await page.locator(`[data-testid="${id}"]`).count(), 0, `${variant.name}: ${id}`);
        }
      } finally {
        await context.close();
      }
    }
  });

  test("an admin picks beta as the default channel: its newest leads", { timeout: 90_000 }, async () => {
    const context = await contextFor(VARIANTS[2], adminState);
    try {
      const page = await context.newPage();
      await page.goto(`${server.baseUrl}/admin/apps`);
      const settings = page.locator(`details[data-app="${APP.name}"]`);
      await settings.locator("summary").click();
      const select = settings.getByTestId("default-channel-select");
      await select.selectOption({ label: "beta" });
      await settings.getByRole("button", { name: "Save default channel" }).click();
      await settings.getByText("Saved: beta's newest build leads.").waitFor();
      await page.goto(`${server.baseUrl}/apps/${builds.prod.appId}`);
      const lead = page.locator('[data-testid="build-row"][data-place="lead"]');
      assert.match((await lead.textContent()) ?? "", /Version 2\.0 \(5\)/);
      const audit = await queryDatabase<{ n: number }>(
        server.databaseUrl,
        "SELECT count(*)::int AS n FROM audit_events WHERE action = 'app.default_channel_change' AND app_id = $1",
        [builds.prod.appId],
      );
      assert.equal(audit[0]?.n, 1);
    } finally {
      await context.close();
    }
  });
});

describe("a shared link to something you cannot see", () => {
  test("says whom to ask, and the same for an app that does not exist: nothing about the app leaks", {
    timeout: 90_000,
  }, async () => {
    for (const variant of VARIANTS) {
      const context = await contextFor(variant, memberState);
      try {
        const page = await context.newPage();
        const seen: Record<string, string> = {};
        for (const [key, url] of [
          ["app", `/apps/${builds.hidden.appId}`],
          ["missing app", "/apps/00000000-0000-4000-8000-000000000000"],
          ["build", `/apps/${builds.hidden.appId}/builds/${builds.hidden.id}`],
          ["missing build", `/apps/${builds.hidden.appId}/builds/00000000-0000-4000-8000-000000000000`],
          ["channel", `/apps/${builds.hidden.appId}/channels/default`],
          ["missing channel", "/apps/00000000-0000-4000-8000-000000000000/channels/default"],
        ] as const) {
          const res = await page.goto(`${server.baseUrl}${url}`);
          assert.equal(res?.status(), 404, url);
          const body = await res?.text();
          for (const secret of [HIDDEN_APP.name, HIDDEN_APP.bundleId, "9.9"]) {
            assert.ok(!body?.includes(secret), `${url} reveals ${secret}`);
          }
          const noAccess = page.locator('[data-testid="no-access"]');
          assert.match((await noAccess.textContent()) ?? "", /You don.t have access to this (app|build|channel)/);
          assert.match(
            await text(page, '[data-testid="no-access-ask"]'),
            new RegExp(server.admin.email.replace(".", "\\.")),
          );
          seen[key] = (await noAccess.textContent()) ?? "";
        }
        // Existing-but-hidden and missing read the same: no existence oracle.
        assert.equal(seen.app, seen["missing app"]);
        assert.equal(seen.build, seen["missing build"]);
        assert.equal(seen.channel, seen["missing channel"]);
      } finally {
        await context.close();
      }
    }
  });

  test("a channel of an app you see, that you cannot see: whom to ask and the app's page", {
    timeout: 60_000,
  }, async () => {
    const context = await contextFor(VARIANTS[0], memberState);
    try {
      const page = await context.newPage();
      const res = await page.goto(`${server.baseUrl}/apps/${builds.prod.appId}/channels/nightly`);
      assert.equal(res?.status(), 404);
      const noAccess = page.locator('[data-testid="no-access"]');
      assert.equal(await noAccess.locator(`a[href="/apps/${builds.prod.appId}"]`).count(), 1);
    } finally {
      await context.close();
    }
  });
});
