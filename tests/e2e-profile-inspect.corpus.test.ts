/**
 * The upload page inspects real Xcode provisioning profiles in a real desktop
 * browser (Apple-signed CMS, and a tampered copy): corpus tier, it reads the
 * real-IPA corpus.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchBrowser, newDesktopContext, signIn } from "./helpers/browser";
import { type FerryServer, startFerry } from "./helpers/ferry-server";
import { fixturePath } from "./helpers/fixtures";

let server: FerryServer;
let browser: Browser;
let admin: BrowserContext;
let page: Page;

before(
  async () => {
    server = await startFerry();
    browser = await launchBrowser();
    admin = await newDesktopContext(browser);
    admin.setDefaultTimeout(30_000);
    page = await admin.newPage();
    await signIn(page, server.baseUrl, server.admin.email, server.admin.password);
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

describe("profile inspection on the upload page (desktop Chromium)", () => {
  test("a provisioning profile is inspected, not stored, and a tampered one is flagged", {
    timeout: 60_000,
  }, async () => {
    for (const [name, type, tampered] of [
      ["app_info--ios_adhoc.mobileprovision", "Ad Hoc", false],
      ["fastlane--match-test.provisionprofile", "App Store", true],
    ] as const) {
      await page.goto(`${server.baseUrl}/upload`);
      await page.locator('[data-testid="file-input"]').setInputFiles(fixturePath("profiles", name));
      await page.getByRole("button", { name: "Inspect profile", exact: true }).click();
      const result = page.locator('[data-testid="profile-result"]');
      await result.waitFor({ timeout: 30_000 });
      assert.equal(await result.locator('[data-field="Type"]').textContent(), type);
      const signature = (await result.locator('[data-field="Signature"]').textContent()) ?? "";
      assert.match(signature, tampered ? /does NOT verify/ : /verified/);
      const codes = await result
        .locator('[data-testid="warning"]')
        .evaluateAll((els) => els.map((e) => e.getAttribute("data-code")));
      assert.ok(codes.includes("profile_expired"));
      assert.equal(codes.includes("profile_signature_invalid"), tampered);
    }
    assert.equal(await page.locator('[data-testid="upload-done"]').count(), 0);
  });
});
