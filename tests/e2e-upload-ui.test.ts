/**
 * The upload page in a real desktop browser: a 15 MB build goes through the
 * form with a visible progress bar and lands on its build page; an invalid
 * archive shows the server's explanation; members cannot reach the page.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import JSZip from "jszip";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { build as plistBuild } from "plist";
import { launchBrowser, newDesktopContext, signIn } from "./helpers/browser";
import { createUser, type FerryServer, startFerry } from "./helpers/ferry-server";
import { generateIpa } from "./helpers/generate-ipa";
import { embeddedProfile } from "./helpers/test-profile";

const BUILD = { bundleId: "com.example.ferry.e2e-upload", name: "FerryUploadE2E", version: "2.3.4", buildNumber: "77" };
const PAD_BYTES = 15 * 1024 * 1024;
/** Upload bandwidth the browser is throttled to, so the progress bar stays up for a few seconds. */
const THROTTLE_BYTES_PER_SECOND = 5 * 1024 * 1024;

type ProgressLog = { seen: boolean; values: number[] };

let server: FerryServer;
let scratch: string;
let ipaPath: string;
let browser: Browser;
let admin: BrowserContext;
let page: Page;

/**
 * Records every state the progress bar goes through, from inside the page,
 * so the assertion does not depend on polling fast enough to catch it.
 */
async function watchProgressBar(target: Page): Promise<void> {
  await target.evaluate(() => {
    const log: ProgressLog = { seen: false, values: [] };
    (window as unknown as { __progress: ProgressLog }).__progress = log;
    new MutationObserver(() => {
      const bar = document.querySelector('[role="progressbar"]');
      if (!bar) return;
      log.seen = true;
      const value = Number(bar.getAttribute("aria-valuenow"));
      if (log.values[log.values.length - 1] !== value) log.values.push(value);
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["aria-valuenow"] });
  });
}

async function progressLog(target: Page): Promise<ProgressLog> {
  return target.evaluate(() => (window as unknown as { __progress: ProgressLog }).__progress);
}

before(
  async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-e2e-upload-"));
    // Inside scratch so that it is removed with it (startFerry's stop() leaves its data directory).
    const dataDir = path.join(scratch, "data");
    fs.mkdirSync(dataDir);
    server = await startFerry({ dataDir });
    ipaPath = path.join(scratch, "FerryUploadE2E.ipa");
    await generateIpa(ipaPath, {
      ...BUILD,
      padBytes: PAD_BYTES,
      extraFiles: [embeddedProfile(BUILD.name, BUILD.bundleId)],
    });
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
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  },
  { timeout: 60_000 },
);

describe("upload page (desktop Chromium)", () => {
  test("a 15 MB .ipa uploads with a progress bar and opens its build page", { timeout: 120_000 }, async (t) => {
    await page.goto(`${server.baseUrl}/upload`);
    await page.getByRole("heading", { name: "Upload a build" }).waitFor();
    await page.locator('[data-testid="file-input"]').setInputFiles(ipaPath);
    // The drop zone shows the chosen file once React has handled the change event.
    await page
      .locator('[data-testid="drop-zone"]')
      .filter({ hasText: path.basename(ipaPath) })
      .waitFor();

    // Localhost is too fast to see a progress bar: throttle the browser's upload.
    const cdp = await admin.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: THROTTLE_BYTES_PER_SECOND,
    });
    await watchProgressBar(page);

    await page.getByRole("button", { name: "Upload", exact: true }).click();
    await page.getByRole("progressbar").waitFor({ state: "visible", timeout: 10_000 });
    const done = page.locator('[data-testid="upload-done"]');
    await done.waitFor({ timeout: 90_000 });
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    await cdp.detach();

    const log = await progressLog(page);
    t.diagnostic(`progress bar values seen: ${log.values.join(", ")}`);
    assert.ok(log.seen, "the progress bar appeared");
    assert.ok(
      log.values.some((v) => v > 0 && v < 100),
      `intermediate progress was shown: ${JSON.stringify(log.values)}`,
    );
    assert.equal(await page.getByRole("progressbar").count(), 0, "the progress bar is gone once the upload is done");
    assert.equal(await page.locator('[data-testid="upload-error"]').count(), 0);
    const summary = (await done.textContent()) ?? "";
    assert.match(summary, /Uploaded: FerryUploadE2E 2\.3\.4 \(77\)/);
    // A new app is visible to admins only: the result says so and links to where it is granted.
    const notice = done.locator('[data-testid="new-app-notice"]');
    assert.match((await notice.textContent()) ?? "", /New app — visible only to admins/);
    assert.equal(await notice.locator('a[href="/admin/apps"]').count(), 1);

    await done.getByRole("link", { name: "Open the build page" }).click();
    await page.waitForURL(/\/apps\/[^/]+\/builds\/[^/]+$/);
    await page.getByRole("heading", { name: BUILD.name }).waitFor();
    const body = (await page.locator("main").textContent()) ?? "";
    assert.match(body, /Version 2\.3\.4 \(77\)/);
    assert.ok(body.includes(BUILD.bundleId));
    assert.equal(await page.locator('[data-testid="install-link"]').count(), 1);
  });

  test("the app list marks an app only admins can see as Restricted", { timeout: 60_000 }, async () => {
    await page.goto(`${server.baseUrl}/`);
    const row = page.locator("li").filter({ hasText: BUILD.name });
    assert.equal(await row.locator('[data-testid="restricted-badge"]').count(), 1);
  });

  test("without JavaScript, sign-in on a first visit posts the form once, returns to where the user was headed, and the password never appears in a URL", {
    timeout: 60_000,
  }, async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
    const password = server.admin.password;
    const urls: string[] = [];
    context.on("request", (request) => urls.push(request.url()));
    try {
      const noJs = await context.newPage();
      await noJs.goto(`${server.baseUrl}/sign-in?callbackUrl=%2Fupload`);
      const form = noJs.locator("form").filter({ has: noJs.getByLabel("Password") });
      assert.equal(await form.getAttribute("method"), "post");
      // A first visit: the sign-in page itself sets next-auth's CSRF cookie, so the one post signs in and
      // goes where the user was headed.
      assert.equal((await context.cookies()).filter((c) => c.name.includes("csrf-token")).length, 1);
      await noJs.getByLabel("Email").fill(server.admin.email);
      await noJs.getByLabel("Password").fill(password);
      await Promise.all([
        noJs.waitForURL((url) => url.pathname === "/upload", { timeout: 30_000 }),
        noJs.getByRole("button", { name: "Sign in", exact: true }).click(),
      ]);
      // The session works: the upload page opens instead of sending us back to sign in.
      await noJs.goto(`${server.baseUrl}/upload`);
      assert.equal(new URL(noJs.url()).pathname, "/upload");
      for (const url of urls) {
        assert.ok(!url.includes(encodeURIComponent(password)) && !url.includes(password), `password in ${url}`);
      }
    } finally {
      await context.close();
    }
  });

  test("an invalid archive shows the server's explanation", { timeout: 60_000 }, async () => {
    await page.goto(`${server.baseUrl}/upload`);
    // Zipped by Finder from a folder holding Payload/: the app sits one level too deep.
    const file = path.join(scratch, "iOSAppOnly.ipa");
    const zip = new JSZip();
    zip.file("iOSAppOnly/Payload/iOSAppOnly.app/Info.plist", plistBuild({ CFBundleIdentifier: "com.example.nested" }));
    zip.file("iOSAppOnly/Payload/iOSAppOnly.app/iOSAppOnly", "binary");
    fs.writeFileSync(file, await zip.generateAsync({ type: "nodebuffer" }));
    await page.locator('[data-testid="file-input"]').setInputFiles(file);
    await page
      .locator('[data-testid="drop-zone"]')
      .filter({ hasText: path.basename(file) })
      .waitFor();
    await page.getByRole("button", { name: "Upload", exact: true }).click();
    const error = page.locator('[data-testid="upload-error"]');
    await error.waitFor({ timeout: 30_000 });
    const message = (await error.textContent()) ?? "";
    assert.match(message, /Payload/);
    assert.match(message, /not accepted/);
    assert.equal(await page.locator('[data-testid="upload-done"]').count(), 0);
  });

  test("a member gets the not-found page at /upload", { timeout: 60_000 }, async () => {
    const member = { email: "member@example.com", password: "member-password-1" };
    await createUser(server, { email: member.email, password: member.password, role: "member" });
    const context = await newDesktopContext(browser);
    try {
      const memberPage = await context.newPage();
      await signIn(memberPage, server.baseUrl, member.email, member.password);
      // The member sees no way to the upload page…
      assert.equal(await memberPage.getByRole("link", { name: /^Upload/ }).count(), 0);
      // …and typing the address gives the not-found page, not the form.
      const response = await memberPage.goto(`${server.baseUrl}/upload`);
      assert.equal(response?.status(), 404);
      await memberPage.getByRole("heading", { name: "Not found" }).waitFor();
      assert.equal(await memberPage.locator('[data-testid="file-input"]').count(), 0);
      assert.equal(await memberPage.locator('[data-testid="drop-zone"]').count(), 0);
    } finally {
      await context.close();
    }
  });
});
