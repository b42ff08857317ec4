/**
 * The install journey in a real browser emulating an iPhone: sign in, find
 * the app, pick the newest version, and check that the Install link and the
 * QR code next to it carry exactly the itms-services URL iOS needs, and that
 * the manifest behind it works without cookies (iOS fetches it cookie-less).
 * Also checks the device guidance for in-app browsers, iPadOS-as-Mac and desktops.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import * as plist from "plist";
import {
  fillSignInForm,
  IPAD_MAX_TOUCH_POINTS,
  launchBrowser,
  newDesktopContext,
  newIPadAsMacContext,
  newIPadAsMacPage,
  newIPhoneContext,
  readQrCode,
  waitForHydration,
} from "./helpers/browser";
import { createToken, type FerryServer, startFerry } from "./helpers/ferry-server";
import { fixturePath } from "./helpers/fixtures";
import { generateIpa } from "./helpers/generate-ipa";

const ITMS_PREFIX = "itms-services://?action=download-manifest&url=";
const APP = { bundleId: "com.example.ferry.e2e-iphone", name: "FerryPhoneE2E" };
const OLDER = { version: "1.0.0", buildNumber: "1" };
const NEWER = { version: "1.1.0", buildNumber: "2" };

type BuildJson = {
  id: string;
  appId: string;
  bundleId: string;
  version: string;
  buildNumber: string;
  sizeBytes: number;
  manifestUrl: string;
  installUrl: string;
};
type Manifest = { items: { assets: { kind: string; url: string }[]; metadata: Record<string, string> }[] };
type StorageState = Awaited<ReturnType<BrowserContext["storageState"]>>;

let server: FerryServer;
let scratch: string;
let browser: Browser;
let iPhone: BrowserContext;
let iPhonePage: Page;
let signedIn: StorageState;
let newer: BuildJson;
let older: BuildJson;

async function uploadRaw(file: string, token: string): Promise<BuildJson> {
  const res = await fetch(`${server.baseUrl}/api/v1/builds`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
    body: fs.createReadStream(file) as unknown as BodyInit,
    duplex: "half",
  } as RequestInit);
  const json = (await res.json()) as { build?: BuildJson; error?: unknown };
  assert.ok(
    res.status === 201 || res.status === 200,
    `upload of ${path.basename(file)}: ${res.status} ${JSON.stringify(json)}`,
  );
  assert.ok(json.build);
  return json.build;
}

/** The `url` parameter of an itms-services link, checked to be fully percent-encoded. */
function manifestUrlOf(href: string): string {
  assert.ok(href.startsWith(ITMS_PREFIX), `install link ${href}`);
  const encoded = href.slice(ITMS_PREFIX.length);
  const decoded = decodeURIComponent(encoded);
  // iOS parses the query itself: a raw "&", "?" or "/" in the URL would break it.
  assert.equal(encoded, encodeURIComponent(decoded));
  assert.equal(new URL(href).searchParams.get("url"), decoded);
  return decoded;
}

async function fetchManifest(url: string): Promise<Manifest> {
  // Plain fetch: no cookie, no Authorization, like iOS's installer daemon.
  const res = await fetch(url);
  assert.equal(res.status, 200, `manifest ${url}`);
  return plist.parse(await res.text()) as unknown as Manifest;
}

before(
  async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-e2e-iphone-"));
    // Inside scratch so that it is removed with it (startFerry's stop() leaves its data directory).
    const dataDir = path.join(scratch, "data");
    fs.mkdirSync(dataDir);
    server = await startFerry({ dataDir });
    const token = await createToken(server);
    // A real fixture makes the app list hold more than the app under test.
    await uploadRaw(fixturePath("ipa", "app_info--iphone.ipa"), token);
    const olderFile = path.join(scratch, "older.ipa");
    const newerFile = path.join(scratch, "newer.ipa");
    await generateIpa(olderFile, { ...APP, ...OLDER, padBytes: 64 * 1024 });
    await generateIpa(newerFile, { ...APP, ...NEWER, padBytes: 64 * 1024 });
    // Uploaded oldest first: "newest" on the page means most recently uploaded.
    older = await uploadRaw(olderFile, token);
    newer = await uploadRaw(newerFile, token);
    assert.equal(newer.appId, older.appId);
    browser = await launchBrowser();
    iPhone = await newIPhoneContext(browser);
    iPhone.setDefaultTimeout(30_000);
    iPhonePage = await iPhone.newPage();
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

describe("iPhone (emulated Chromium)", () => {
  test("sign in, open the app, newest version first, install link and QR code agree", {
    timeout: 120_000,
  }, async () => {
    const page = iPhonePage;
    await page.goto(`${server.baseUrl}/`);
    await page.waitForURL((url) => url.pathname === "/sign-in");
    assert.equal(new URL(page.url()).searchParams.get("callbackUrl"), "/");
    await fillSignInForm(page, server.admin.email, server.admin.password);
    assert.equal(new URL(page.url()).pathname, "/");
    signedIn = await iPhone.storageState();

    // The list shows both apps; open ours.
    await page.getByRole("heading", { name: "Apps" }).waitFor();
    const appLinks = page.locator('a[href^="/apps/"]');
    assert.equal(await appLinks.count(), 2);
    await page.locator(`a[href="/apps/${newer.appId}"]`).filter({ hasText: APP.name }).click();
    await page.waitForURL(`${server.baseUrl}/apps/${newer.appId}`);
    await page.getByRole("heading", { name: APP.name }).waitFor();

    // Every version, newest first.
    const rows = page.locator('[data-testid="build-row"]');
    assert.equal(await rows.count(), 2);
    const firstText = (await rows.nth(0).textContent()) ?? "";
    const secondText = (await rows.nth(1).textContent()) ?? "";
    assert.match(firstText, /Version 1\.1\.0 \(2\)/);
    assert.match(firstText, /Latest/);
    assert.match(secondText, /Version 1\.0\.0 \(1\)/);
    assert.doesNotMatch(secondText, /Latest/);

    // The newest version's install link.
    const href = await rows.nth(0).locator('[data-testid="install-link"]').getAttribute("href");
    assert.ok(href);
    const manifestUrl = manifestUrlOf(href);
    assert.ok(manifestUrl.startsWith(`${server.baseUrl}/d/`), manifestUrl);
    assert.ok(/^https?:\/\//.test(manifestUrl));
    assert.ok(manifestUrl.endsWith("/manifest.plist"), manifestUrl);

    // The manifest behind the link is this build's, readable without cookies.
    const manifest = await fetchManifest(manifestUrl);
    const item = manifest.items[0];
    assert.ok(item);
    assert.equal(item.metadata["bundle-identifier"], newer.bundleId);
    assert.equal(item.metadata["bundle-version"], NEWER.version);
    const ipaUrl = item.assets.find((a) => a.kind === "software-package")?.url;
    assert.ok(ipaUrl);
    assert.ok(ipaUrl.startsWith(`${server.baseUrl}/d/`), ipaUrl);
    const head = await fetch(ipaUrl, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("content-length"), String(newer.sizeBytes));

    // The older row links to the older build.
    const olderHref = await rows.nth(1).locator('[data-testid="install-link"]').getAttribute("href");
    assert.ok(olderHref);
    const olderManifest = await fetchManifest(manifestUrlOf(olderHref));
    assert.equal(olderManifest.items[0]?.metadata["bundle-version"], OLDER.version);

    // The HTML as the server sends it: "&" escaped inside every itms-services href.
    const html = await (await iPhone.request.get(page.url())).text();
    assert.ok(
      html.includes("itms-services://?action=download-manifest&amp;url="),
      "escaped itms-services link in the raw HTML",
    );
    const hrefs = [...html.matchAll(/href="(itms-services:[^"]*)"/g)].map((m) => m[1] ?? "");
    assert.equal(hrefs.length, 2);
    for (const raw of hrefs) assert.doesNotMatch(raw, /&(?!amp;)/, `unescaped & in ${raw}`);

    // The QR code next to it encodes exactly the same URL.
    const qr = await readQrCode(rows.nth(0).locator('[data-testid="install-qr"]'));
    assert.equal(qr.text, href, `QR (enlarged: ${qr.enlarged}) vs install link`);
    const olderQr = await readQrCode(rows.nth(1).locator('[data-testid="install-qr"]'));
    assert.equal(olderQr.text, olderHref);

    // An iPhone in Safari gets no "use your phone" hint and no in-app warning.
    await waitForHydration(page, '[data-testid="install-link"]');
    assert.equal(await page.locator('[data-testid="desktop-hint"]').count(), 0);
    assert.equal(await page.locator('[data-testid="in-app-warning"]').count(), 0);
  });

  test("build page: install card link and QR code agree", { timeout: 60_000 }, async () => {
    const page = iPhonePage;
    await page.goto(`${server.baseUrl}/apps/${newer.appId}`);
    await page.getByRole("link", { name: `Version ${NEWER.version} (${NEWER.buildNumber})` }).click();
    await page.waitForURL(`${server.baseUrl}/apps/${newer.appId}/builds/${newer.id}`);
    const link = page.locator('[data-testid="install-link"]');
    assert.equal(await link.count(), 1);
    const href = await link.getAttribute("href");
    assert.ok(href);
    const manifest = await fetchManifest(manifestUrlOf(href));
    assert.equal(manifest.items[0]?.metadata["bundle-identifier"], APP.bundleId);
    assert.equal(manifest.items[0]?.metadata["bundle-version"], NEWER.version);
    const qr = await readQrCode(page.locator('[data-testid="install-qr"]'));
    assert.equal(qr.text, href);
    await waitForHydration(page, '[data-testid="install-link"]');
    assert.equal(await page.locator('[data-testid="desktop-hint"]').count(), 0);
  });

  test("an in-app browser (Slack) on iPhone is told to open Safari", { timeout: 60_000 }, async () => {
    const context = await newIPhoneContext(browser, { userAgentSuffix: " Slack/24.06", storageState: signedIn });
    try {
      const page = await context.newPage();
      await page.goto(`${server.baseUrl}/apps/${newer.appId}`);
      await page.locator('[data-testid="in-app-warning"]').waitFor({ timeout: 30_000 });
      assert.match((await page.locator('[data-testid="in-app-warning"]').textContent()) ?? "", /Safari/);
      assert.equal(await page.locator('[data-testid="desktop-hint"]').count(), 0);
    } finally {
      await context.close();
    }
  });

  test("iPadOS Safari with a Mac user agent counts as iOS", { timeout: 60_000 }, async () => {
    const context = await newIPadAsMacContext(browser, { storageState: signedIn });
    try {
      const page = await newIPadAsMacPage(context);
      await page.goto(`${server.baseUrl}/apps/${newer.appId}`);
      const seen = await page.evaluate(() => ({ ua: navigator.userAgent, touch: navigator.maxTouchPoints }));
      assert.match(seen.ua, /Macintosh/);
      assert.doesNotMatch(seen.ua, /iPad|iPhone/);
      assert.equal(seen.touch, IPAD_MAX_TOUCH_POINTS);
      await waitForHydration(page, '[data-testid="install-link"]');
      assert.equal(await page.locator('[data-testid="desktop-hint"]').count(), 0);
      assert.equal(await page.locator('[data-testid="in-app-warning"]').count(), 0);
    } finally {
      await context.close();
    }
  });

  test("a desktop browser gets the scan-the-QR-code hint (control for the checks above)", {
    timeout: 60_000,
  }, async () => {
    const context = await newDesktopContext(browser, { storageState: signedIn });
    try {
      const page = await context.newPage();
      await page.goto(`${server.baseUrl}/apps/${newer.appId}`);
      await page.locator('[data-testid="desktop-hint"]').waitFor({ timeout: 30_000 });
      assert.match((await page.locator('[data-testid="desktop-hint"]').textContent()) ?? "", /QR code/);
      assert.equal(await page.locator('[data-testid="in-app-warning"]').count(), 0);
    } finally {
      await context.close();
    }
  });
});
