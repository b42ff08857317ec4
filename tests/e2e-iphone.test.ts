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
  iPhoneDescriptor,
  launchBrowser,
  newDesktopContext,
  newIPadAsMacContext,
  newIPadAsMacPage,
  newIPhoneContext,
  readQrCode,
  waitForHydration,
  waitForPageScript,
} from "./helpers/browser";
import { createToken, createUser, type FerryServer, startFerry } from "./helpers/ferry-server";
import { generateIpa } from "./helpers/generate-ipa";
import { queryDatabase } from "./helpers/test-database";
import { embeddedProfile } from "./helpers/test-profile";

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
let expired: BuildJson;

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
    // Another app makes the app list hold more than the app under test; its profile expired
    // in 2018 (a fixed date in the past), so it is also the build that cannot install.
    const expiredFile = path.join(scratch, "expired.ipa");
    await generateIpa(expiredFile, {
      bundleId: "com.example.ferry.expired",
      version: "1.2.3",
      buildNumber: "5",
      name: "ExpiredDemo",
      padBytes: 4096,
      extraFiles: [
        embeddedProfile("ExpiredDemo", "com.example.ferry.expired", {
          bundleId: "com.example.ferry.expired",
          expires: new Date("2018-04-01T00:00:00Z"),
        }),
      ],
    });
    expired = await uploadRaw(expiredFile, token);
    const olderFile = path.join(scratch, "older.ipa");
    const newerFile = path.join(scratch, "newer.ipa");
    // An in-house (enterprise) profile: installable, and the page explains the trust step.
    const extraFiles = [embeddedProfile(APP.name, APP.bundleId)];
    await generateIpa(olderFile, { ...APP, ...OLDER, padBytes: 64 * 1024, extraFiles });
    await generateIpa(newerFile, { ...APP, ...NEWER, padBytes: 64 * 1024, extraFiles });
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

    // Every version: the default channel's newest leads, the older one is collapsed below it.
    const rows = page.locator('[data-testid="build-row"]');
    assert.equal(await rows.count(), 2);
    const firstText = (await rows.nth(0).textContent()) ?? "";
    const secondText = (await rows.nth(1).textContent()) ?? "";
    assert.match(firstText, /Version 1\.1\.0 \(2\)/);
    assert.equal(await rows.nth(0).getAttribute("data-place"), "lead");
    assert.match(secondText, /Version 1\.0\.0 \(1\)/);
    assert.equal(await rows.nth(1).getAttribute("data-place"), "older");

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

    // A phone cannot scan its own screen: no QR code anywhere on an iPhone.
    assert.equal(await page.locator('[data-testid="install-qr"]').count(), 0);
    assert.ok(!html.includes("<svg"), "no QR code SVG in the iPhone's HTML");

    // What happens after the tap, including the enterprise trust step, is visible without a tap.
    const steps = page.locator('[data-testid="install-steps"]');
    assert.equal(await steps.count(), 1, "the steps are shown once");
    assert.ok(await steps.getByText("VPN & Device Management", { exact: false }).isVisible());
    assert.match((await steps.textContent()) ?? "", /Example Corp.*Trust/s);

    // The install page ships without the React runtime: its only script is the page script.
    assert.equal(await page.locator('script[src*="/_next/"]').count(), 0, "no Next.js or React script");
    // An iPhone in Safari gets no "use your phone" hint and no in-app warning.
    await waitForPageScript(page);
    assert.equal(await page.locator('[data-testid="desktop-hint"]').count(), 0);
    assert.equal(await page.locator('[data-testid="in-app-warning"]').count(), 0);
  });

  test("build page: the install link, no QR code on the phone", { timeout: 60_000 }, async () => {
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
    assert.equal(await page.locator('[data-testid="install-qr"]').count(), 0, "no QR code on an iPhone");
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
      // "Copy link" (the page script's) puts this page's address on the clipboard (not a build's).
      await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.baseUrl });
      await waitForPageScript(page);
      await page.getByRole("button", { name: "Copy link" }).click();
      await page.getByRole("button", { name: "Copied" }).waitFor();
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), `${server.baseUrl}/apps/${newer.appId}`);
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
      await waitForPageScript(page);
      assert.equal(await page.locator('[data-testid="desktop-hint"]').count(), 0);
      assert.equal(await page.locator('[data-testid="in-app-warning"]').count(), 0);
      // The server saw a Mac; the browser's touch points make it an iPad: Install is the action, no QR code.
      const install = page.locator('[data-testid="install-link"]').first();
      assert.ok(await install.isVisible());
      assert.match((await install.textContent()) ?? "", /^Install 1\.1\.0/);
      for (const qr of await page.locator('[data-testid="install-qr"]').all())
        assert.equal(await qr.isVisible(), false);
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
      // The QR code is the main action: one, large enough to scan at arm's length, encoding the install link.
      const qrs = page.locator('[data-testid="install-qr"]');
      assert.equal(await qrs.count(), 1, "one QR code, for the newest version");
      const box = await qrs.boundingBox();
      assert.ok(box && box.width >= 240 && box.height >= 240, `QR code size ${JSON.stringify(box)}`);
      const href = await page
        .locator('[data-testid="build-row"]')
        .nth(0)
        .locator('[data-testid="install-link"]')
        .getAttribute("href");
      const qr = await readQrCode(qrs);
      assert.equal(qr.enlarged, false, "decodable as rendered");
      assert.equal(qr.text, href);
      // Older versions link to their own page's QR code instead of doubling the page.
      assert.equal(await page.locator('[data-testid="qr-page-link"]').count(), 1);
    } finally {
      await context.close();
    }
  });
});

/** The WCAG 2 contrast ratio of two "rgb(r, g, b)" colours. */
function contrast(a: string, b: string): number {
  const lum = (css: string) => {
    const [r, g, bl] = (css.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (bl ?? 0);
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return ((hi ?? 0) + 0.05) / ((lo ?? 0) + 0.05);
}

describe("the install page for employees", () => {
  const member = { email: "member@example.com", password: "member-password-1" };
  let memberState: StorageState;
  let ipadOnly: BuildJson;

  before(
    async () => {
      await createUser(server, { email: member.email, password: member.password, role: "member" });
      const token = await createToken(server);
      const file = path.join(scratch, "ipad-only.ipa");
      const ipadApp = { bundleId: "com.example.ferry.ipad-only", name: "FerryTabletOnly" };
      await generateIpa(file, {
        ...ipadApp,
        version: "3.0",
        buildNumber: "1",
        padBytes: 1024,
        minimumOSVersion: "17.0",
        infoPlistExtra: { UIDeviceFamily: [2] },
        extraFiles: [embeddedProfile(ipadApp.name, ipadApp.bundleId)],
      });
      ipadOnly = await uploadRaw(file, token);
      await queryDatabase(server.databaseUrl, "UPDATE apps SET visibility = 'everyone'", []);
      const context = await newIPhoneContext(browser);
      const page = await context.newPage();
      await page.goto(`${server.baseUrl}/sign-in`);
      await fillSignInForm(page, member.email, member.password);
      memberState = await context.storageState();
      await context.close();
    },
    { timeout: 120_000 },
  );

  test("a build iOS will refuse (expired profile) has no link and no QR code on any device, and says who to ask", {
    timeout: 90_000,
  }, async () => {
    for (const make of [
      () => newIPhoneContext(browser, { storageState: memberState }),
      () => newDesktopContext(browser, { storageState: memberState }),
    ]) {
      const context = await make();
      try {
        const page = await context.newPage();
        for (const url of [`/apps/${expired.appId}`, `/apps/${expired.appId}/builds/${expired.id}`]) {
          await page.goto(`${server.baseUrl}${url}`);
          const blocked = page.locator('[data-testid="install-blocked"]').first();
          await blocked.waitFor();
          assert.match((await blocked.textContent()) ?? "", /expired/);
          assert.match((await blocked.textContent()) ?? "", new RegExp(server.admin.email.replace(".", "\\.")));
          assert.equal(await page.locator('[data-testid="install-link"]').count(), 0, url);
          assert.equal(await page.locator('[data-testid="install-anyway-link"]').count(), 0, url);
          assert.equal(await page.locator('[data-testid="install-qr"]').count(), 0, url);
          assert.ok(!(await page.content()).includes("itms-services:"), `no install URL at all in ${url}`);
        }
      } finally {
        await context.close();
      }
    }
  });

  test("an iPad-only build on an iPhone, and an iOS older than the minimum, are explained", {
    timeout: 60_000,
  }, async () => {
    const context = await newIPhoneContext(browser, { storageState: memberState });
    try {
      const page = await context.newPage();
      await page.goto(`${server.baseUrl}/apps/${ipadOnly.appId}`);
      const problems = page.locator('[data-testid="device-problems"]');
      await problems.waitFor();
      const codes = await problems.locator("li").evaluateAll((els) => els.map((e) => e.getAttribute("data-code")));
      // The emulated iPhone's UA says iOS 17.x or newer; the iPad-only family is what stops it.
      assert.ok(codes.includes("ipad_only"), JSON.stringify(codes));
    } finally {
      await context.close();
    }
    const old = await browser.newContext({
      ...iPhoneDescriptor(),
      userAgent:
        "Mozilla/5.0 (iPhone; CPU iPhone OS 16_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.4 Mobile/15E148 Safari/604.1",
      storageState: memberState,
    });
    try {
      const page = await old.newPage();
      await page.goto(`${server.baseUrl}/apps/${ipadOnly.appId}`);
      const text = (await page.locator('[data-testid="device-problems"]').textContent()) ?? "";
      assert.match(text, /needs iOS 17\.0 or later; this device reports iOS 16\.4/);
    } finally {
      await old.close();
    }
  });

  test("without JavaScript: the Install link and the next steps are there", { timeout: 60_000 }, async () => {
    const context = await browser.newContext({
      ...iPhoneDescriptor(),
      storageState: memberState,
      javaScriptEnabled: false,
    });
    try {
      const page = await context.newPage();
      await page.goto(`${server.baseUrl}/apps/${newer.appId}`);
      const link = page.locator('[data-testid="install-link"]').first();
      assert.ok(await link.isVisible());
      assert.ok((await link.getAttribute("href"))?.startsWith(ITMS_PREFIX));
      assert.ok(await page.locator('[data-testid="install-steps"] [data-testid="trust-steps"]').isVisible());
      // The server renders an absolute time (UTC) that needs no script.
      assert.match((await page.locator('[data-testid="local-time"]').first().textContent()) ?? "", /UTC$/);
    } finally {
      await context.close();
    }
  });

  test("without JavaScript, Sign out on the install page ends the session", { timeout: 60_000 }, async () => {
    // Its own user: signing out revokes the session, which the other tests' saved state shares.
    const leaver = { email: "leaver@example.com", password: "leaver-password-1" };
    await createUser(server, { ...leaver, role: "member" });
    const withJs = await newIPhoneContext(browser);
    const signInPage = await withJs.newPage();
    await signInPage.goto(`${server.baseUrl}/sign-in`);
    await fillSignInForm(signInPage, leaver.email, leaver.password);
    const state = await withJs.storageState();
    await withJs.close();
    const context = await browser.newContext({ ...iPhoneDescriptor(), storageState: state, javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      await page.goto(`${server.baseUrl}/apps/${newer.appId}`);
      await Promise.all([
        page.waitForURL((url) => url.pathname === "/sign-in"),
        page.getByRole("button", { name: "Sign out" }).click(),
      ]);
      await page.goto(`${server.baseUrl}/apps/${newer.appId}`);
      assert.equal(new URL(page.url()).pathname, "/sign-in", "signed out");
    } finally {
      await context.close();
    }
  });

  test("with JavaScript, times are relative and local, with the absolute time in the title", {
    timeout: 60_000,
  }, async () => {
    const context = await newDesktopContext(browser, { storageState: memberState });
    try {
      const page = await context.newPage();
      await page.goto(`${server.baseUrl}/apps/${newer.appId}`);
      const time = page.locator('[data-testid="local-time"]').first();
      await page.waitForFunction(
        () => !document.querySelector('[data-testid="local-time"]')?.textContent?.endsWith("UTC"),
      );
      assert.match((await time.textContent()) ?? "", /ago|just now/);
      assert.ok(await time.getAttribute("datetime"));
      assert.ok((await time.getAttribute("title"))?.match(/\d{4}/));
    } finally {
      await context.close();
    }
  });

  test("dark mode: dark background, and the Install button and hints keep AA contrast", {
    timeout: 60_000,
  }, async () => {
    for (const colorScheme of ["dark", "light"] as const) {
      const context = await browser.newContext({ ...iPhoneDescriptor(), storageState: memberState, colorScheme });
      try {
        const page = await context.newPage();
        await page.goto(`${server.baseUrl}/apps/${newer.appId}`);
        // One locator.evaluate per value: tsx's helpers (__name) do not exist inside the page.
        const css = (selector: string, property: "backgroundColor" | "color") =>
          page
            .locator(selector)
            .first()
            .evaluate((el, prop) => {
              // Tailwind 4 colours compute as lab()/oklch(): a canvas pixel turns them into sRGB.
              const ctx = document.createElement("canvas").getContext("2d");
              if (!ctx) throw new Error("no 2d canvas");
              ctx.fillStyle = getComputedStyle(el)[prop];
              ctx.fillRect(0, 0, 1, 1);
              return `rgb(${Array.from(ctx.getImageData(0, 0, 1, 1).data.slice(0, 3)).join(", ")})`;
            }, property);
        const colours = {
          body: await css("body", "backgroundColor"),
          card: await css('[data-testid="build-row"]', "backgroundColor"),
          cardText: await css('[data-testid="build-row"]', "color"),
          button: await css('[data-testid="install-link"]', "backgroundColor"),
          buttonText: await css('[data-testid="install-link"]', "color"),
          hint: await css('[data-testid="build-row"] p.text-sm', "color"),
        };
        if (colorScheme === "dark") {
          assert.ok(contrast(colours.body, "rgb(0, 0, 0)") < 1.5, `dark body ${colours.body}`);
        } else {
          assert.ok(contrast(colours.body, "rgb(255, 255, 255)") < 1.1, `light body ${colours.body}`);
        }
        assert.ok(contrast(colours.button, colours.buttonText) >= 4.5, `button ${JSON.stringify(colours)}`);
        assert.ok(contrast(colours.card, colours.cardText) >= 4.5, `text ${JSON.stringify(colours)}`);
        assert.ok(contrast(colours.card, colours.hint) >= 4.5, `hint ${JSON.stringify(colours)}`);
      } finally {
        await context.close();
      }
    }
  });

  test("page weight: ≤ 100 KB on a cold cache with JavaScript, small without, the icon cached across visits", {
    timeout: 90_000,
  }, async (t) => {
    const measure = async (javaScriptEnabled: boolean, visits: number) => {
      const context = await browser.newContext({ ...iPhoneDescriptor(), storageState: memberState, javaScriptEnabled });
      try {
        const page = await context.newPage();
        const cdp = await context.newCDPSession(page);
        await cdp.send("Network.enable");
        const perVisit: { total: number; framework: number; images: number }[] = [];
        for (let visit = 0; visit < visits; visit++) {
          const urls = new Map<string, { url: string; type: string }>();
          const sizes = new Map<string, number>();
          const onResponse = (e: { requestId: string; type: string; response: { url: string } }) =>
            urls.set(e.requestId, { url: e.response.url, type: e.type });
          const onDone = (e: { requestId: string; encodedDataLength: number }) =>
            sizes.set(e.requestId, e.encodedDataLength);
          cdp.on("Network.responseReceived", onResponse);
          cdp.on("Network.loadingFinished", onDone);
          await page.goto(`${server.baseUrl}/apps/${newer.appId}`, { waitUntil: "networkidle" });
          cdp.off("Network.responseReceived", onResponse);
          cdp.off("Network.loadingFinished", onDone);
          const result = { total: 0, framework: 0, images: 0 };
          for (const [id, bytes] of sizes) {
            const info = urls.get(id);
            result.total += bytes;
            if (info?.url.includes("/_next/static/chunks/") && info.url.endsWith(".js")) result.framework += bytes;
            if (info?.type === "Image") result.images += bytes;
          }
          perVisit.push(result);
        }
        return perVisit;
      } finally {
        await context.close();
      }
    };
    const [noJs] = await measure(false, 1);
    const [cold, warm] = await measure(true, 2);
    assert.ok(noJs && cold && warm);
    t.diagnostic(
      `without JS: ${noJs.total} B; with JS cold: ${cold.total} B (Next/React JS ${cold.framework} B); warm images: ${warm.images} B`,
    );
    assert.ok(noJs.total <= 40 * 1024, `without JavaScript ${noJs.total} B`);
    // The budget: what an iPhone with JavaScript transfers on its first visit.
    assert.ok(cold.total <= 100 * 1024, `with JavaScript, cold: ${cold.total} B`);
    assert.ok(
      cold.total - cold.framework <= 40 * 1024,
      `everything but the framework's JavaScript: ${cold.total - cold.framework} B`,
    );
    assert.ok(cold.images > 0 && cold.images <= 16 * 1024, `icons on a cold visit: ${cold.images} B`);
    assert.ok(warm.images <= 1024, `icons come from the cache on the next visit: ${warm.images} B`);
  });
});
