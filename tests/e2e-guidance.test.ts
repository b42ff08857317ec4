/**
 * What a person is told around every Install, in real Chromium on an iPhone,
 * an iPad in desktop mode, in-app browsers (Instagram and a plain WKWebView)
 * and a desktop, in light and dark: the in-app warning leads with "Copy link"
 * (this page's address) on the app and channel pages while Install steps back;
 * the trust step and Developer Mode sit next to every Install; the channel page
 * shows a QR code of itself on a desktop, where Install leads to it, has the
 * after-install steps, local times and fits a 390 px phone. axe finds nothing
 * in the states only these browsers see.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import {
  iPhoneDescriptor,
  launchBrowser,
  newDesktopContext,
  newIPadAsMacContext,
  newIPadAsMacPage,
  readQrCode,
  waitForPageScript,
} from "./helpers/browser";
import { createToken, createUser, type FerryServer, startFerry } from "./helpers/ferry-server";
import { generateIpa } from "./helpers/generate-ipa";
import { passwordSession } from "./helpers/session";
import { queryDatabase } from "./helpers/test-database";
import { testProfile } from "./helpers/test-profile";

const AXE_SOURCE = fs.readFileSync(path.resolve(import.meta.dirname, "../node_modules/axe-core/axe.min.js"), "utf8");
const MEMBER = { email: "gina.guided@example.com", password: "guided-pass-1234", role: "member" as const };
const ENTERPRISE = { bundleId: "com.example.guide.inhouse", name: "GuideInHouse" };
const DEVELOPMENT = { bundleId: "com.example.guide.dev", name: "GuideDev" };

/** An app's own WKWebView: WebKit's iPhone user agent without "Safari/" and without the app's name. */
const PLAIN_WKWEBVIEW_UA =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148";
const INSTAGRAM_SUFFIX = " Instagram 330.0.0.0.0 (iPhone15,4; iOS 17_5; en_US; en; scale=3.00; 1179x2556; 600000000)";

type Scheme = "light" | "dark";
type Build = { id: string; appId: string };

let server: FerryServer;
let browser: Browser;
let scratch: string;
let cookie = "";
let inHouseOld: Build;
let inHouseNew: Build;
let devBuild: Build;

async function upload(token: string, file: string, channel: string): Promise<Build> {
  const form = new FormData();
  form.append("file", await fs.openAsBlob(file), path.basename(file));
  form.append("channel", channel);
  const res = await fetch(`${server.baseUrl}/api/v1/builds`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  assert.equal(res.status, 201, await res.clone().text());
  return ((await res.json()) as { build: Build }).build;
}

async function context(
  kind: "iphone" | "instagram" | "wkwebview" | "desktop" | "ipad",
  scheme: Scheme,
): Promise<BrowserContext> {
  const common = { colorScheme: scheme, reducedMotion: "reduce" as const };
  const ctx =
    kind === "desktop"
      ? await newDesktopContext(browser)
      : kind === "ipad"
        ? await newIPadAsMacContext(browser)
        : await browser.newContext({
            ...iPhoneDescriptor(),
            ...common,
            // The narrowest current iPhone width (the descriptor's is 393).
            viewport: { width: 390, height: 844 },
            ...(kind === "instagram" ? { userAgent: iPhoneDescriptor().userAgent + INSTAGRAM_SUFFIX } : {}),
            ...(kind === "wkwebview" ? { userAgent: PLAIN_WKWEBVIEW_UA } : {}),
          });
  ctx.setDefaultTimeout(30_000);
  const [name, ...value] = cookie.split("=");
  await ctx.addCookies([{ name: name!, value: value.join("="), url: server.baseUrl }]);
  return ctx;
}

async function newPage(ctx: BrowserContext, kind: string, scheme: Scheme): Promise<Page> {
  const page = kind === "ipad" ? await newIPadAsMacPage(ctx) : await ctx.newPage();
  await page.emulateMedia({ colorScheme: scheme, reducedMotion: "reduce" });
  return page;
}

async function open(page: Page, pathname: string): Promise<void> {
  await page.goto(`${server.baseUrl}${pathname}`);
  assert.equal(new URL(page.url()).pathname, pathname, "not redirected (signed in, allowed)");
  await waitForPageScript(page);
}

async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: AXE_SOURCE });
  return page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run: (
            ctx: Document,
            opts: object,
          ) => Promise<{ violations: { id: string; nodes: { target: unknown[] }[] }[] }>;
        };
      }
    ).axe;
    const result = await axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] },
      resultTypes: ["violations"],
    });
    return result.violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.map(String).join(" ")}`));
  });
}

/** The computed colour of the primary button's background (sky-700), as this browser writes it. */
async function primaryBackground(page: Page): Promise<string> {
  return page.evaluate(() => {
    const probe = document.createElement("div");
    probe.className = "bg-sky-700";
    document.body.append(probe);
    const bg = getComputedStyle(probe).backgroundColor;
    probe.remove();
    return bg;
  });
}

/** Whether the page is wider than its viewport (sideways scrolling). */
async function scrollsSideways(page: Page): Promise<boolean> {
  return page.evaluate(() => (document.scrollingElement?.scrollWidth ?? 0) > window.innerWidth);
}

before(
  async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-e2e-guidance-"));
    server = await startFerry();
    await createUser(server, MEMBER);
    const token = await createToken(server);
    const inHouse = [
      {
        path: `Payload/${ENTERPRISE.name}.app/embedded.mobileprovision`,
        data: testProfile({ bundleId: ENTERPRISE.bundleId, teamName: "Guide Corp" }),
      },
    ];
    const oldFile = path.join(scratch, "old.ipa");
    const newFile = path.join(scratch, "new.ipa");
    await generateIpa(oldFile, { ...ENTERPRISE, version: "1.0", buildNumber: "1", padBytes: 512, extraFiles: inHouse });
    await generateIpa(newFile, { ...ENTERPRISE, version: "1.1", buildNumber: "2", padBytes: 512, extraFiles: inHouse });
    inHouseOld = await upload(token, oldFile, "beta");
    inHouseNew = await upload(token, newFile, "beta");
    // A development build: a device list and get-task-allow.
    const devFile = path.join(scratch, "dev.ipa");
    await generateIpa(devFile, {
      ...DEVELOPMENT,
      version: "0.9",
      buildNumber: "3",
      padBytes: 512,
      extraFiles: [
        {
          path: `Payload/${DEVELOPMENT.name}.app/embedded.mobileprovision`,
          data: testProfile({
            bundleId: DEVELOPMENT.bundleId,
            type: "ad-hoc",
            getTaskAllow: true,
            teamName: "Dev Team",
          }),
        },
      ],
    });
    devBuild = await upload(token, devFile, "nightly");
    await queryDatabase(server.databaseUrl, "UPDATE apps SET visibility = 'everyone'");
    const session = await passwordSession(server.baseUrl, MEMBER.email, MEMBER.password);
    assert.ok(session);
    cookie = session;
    browser = await launchBrowser();
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

describe("in-app browsers", () => {
  for (const scheme of ["light", "dark"] as const) {
    for (const kind of ["instagram", "wkwebview"] as const) {
      test(`${kind} (${scheme}): warning on the app and channel pages, Copy link leads and copies this page`, {
        timeout: 120_000,
      }, async () => {
        const ctx = await context(kind, scheme);
        try {
          await ctx.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.baseUrl });
          const page = await newPage(ctx, kind, scheme);
          for (const pathname of [`/apps/${inHouseNew.appId}`, `/apps/${inHouseNew.appId}/channels/beta`]) {
            await open(page, pathname);
            const warning = page.getByTestId("in-app-warning");
            assert.ok(await warning.isVisible(), `${pathname}: the warning`);
            assert.match(
              (await warning.textContent()) ?? "",
              /Open this page in Safari: in-app browsers can.t install/,
            );
            const copy = page.getByTestId("in-app-copy-link");
            const install = page.locator('[data-testid="install-link"], [data-testid="channel-install-link"]').first();
            assert.ok(await install.isVisible(), `${pathname}: Install is still there`);
            // Copy link leads: above Install, bold and filled; Install steps back to a plain bordered button.
            const look = async (el: typeof copy) =>
              el.evaluate((node) => {
                const style = getComputedStyle(node);
                return {
                  weight: Number(style.fontWeight),
                  bg: style.backgroundColor,
                  top: node.getBoundingClientRect().top,
                };
              });
            const [copyLook, installLook] = [await look(copy), await look(install)];
            assert.ok(copyLook.top < installLook.top, `${pathname}: Copy link comes first`);
            assert.ok(
              copyLook.weight > installLook.weight,
              `${pathname}: ${JSON.stringify({ copyLook, installLook })}`,
            );
            assert.notEqual(
              installLook.bg,
              await primaryBackground(page),
              `${pathname}: Install is not the primary button`,
            );
            assert.ok(
              await install.getByText(/works in Safari/).isVisible(),
              `${pathname}: Install says where it works`,
            );
            await copy.click();
            await page.getByRole("button", { name: "Copied" }).waitFor();
            assert.equal(await page.evaluate(() => navigator.clipboard.readText()), `${server.baseUrl}${pathname}`);
            assert.deepEqual(await axeViolations(page), [], `${pathname} (${kind}, ${scheme})`);
            assert.equal(await scrollsSideways(page), false, `${pathname} scrolls sideways`);
          }
        } finally {
          await ctx.close();
        }
      });
    }
  }

  test("Safari on the iPhone gets no warning and Install leads (control)", { timeout: 60_000 }, async () => {
    const ctx = await context("iphone", "light");
    try {
      const page = await newPage(ctx, "iphone", "light");
      for (const pathname of [`/apps/${inHouseNew.appId}`, `/apps/${inHouseNew.appId}/channels/beta`]) {
        await open(page, pathname);
        assert.equal(await page.getByTestId("in-app-warning").count(), 0, pathname);
        const install = page.locator('[data-testid="install-link"], [data-testid="channel-install-link"]').first();
        assert.equal(
          await install.evaluate((node) => getComputedStyle(node).backgroundColor),
          await primaryBackground(page),
          `${pathname}: Install is the primary button`,
        );
      }
    } finally {
      await ctx.close();
    }
  });
});

describe("guidance next to every Install", () => {
  for (const scheme of ["light", "dark"] as const) {
    test(`in-house: the trust step beside the lead Install and folded beside every other (${scheme})`, {
      timeout: 60_000,
    }, async () => {
      const ctx = await context("iphone", scheme);
      try {
        const page = await newPage(ctx, "iphone", scheme);
        await open(page, `/apps/${inHouseNew.appId}`);
        const rows = page.getByTestId("build-row");
        assert.equal(await rows.count(), 2);
        const lead = rows.nth(0);
        assert.match(
          (await lead.getByTestId("install-steps").getByTestId("trust-steps").textContent()) ?? "",
          /Guide Corp/,
        );
        assert.equal(await lead.getByTestId("first-launch-help").count(), 0, "the lead card's steps are not doubled");
        const older = rows.nth(1);
        // Older versions are collapsed (e2e-default-channel): open them.
        await page.locator('[data-testid="older-versions"] > summary').click();
        const help = older.getByTestId("first-launch-help");
        assert.ok(await help.isVisible());
        assert.equal(await help.evaluate((d) => (d as HTMLDetailsElement).open), false, "folded: the page stays short");
        await help.locator("summary").click();
        const trust = help.getByTestId("trust-steps");
        assert.ok(await trust.isVisible());
        assert.match((await trust.textContent()) ?? "", /VPN & Device Management.*Guide Corp.*Trust/s);
        assert.equal(
          await help.getByTestId("developer-mode-steps").count(),
          0,
          "no Developer Mode for in-house builds",
        );
        assert.deepEqual(await axeViolations(page), []);
      } finally {
        await ctx.close();
      }
    });

    test(`development build: Developer Mode with its steps, on the app, build and channel pages (${scheme})`, {
      timeout: 60_000,
    }, async () => {
      const ctx = await context("iphone", scheme);
      try {
        const page = await newPage(ctx, "iphone", scheme);
        for (const pathname of [
          `/apps/${devBuild.appId}`,
          `/apps/${devBuild.appId}/builds/${devBuild.id}`,
          `/apps/${devBuild.appId}/channels/nightly`,
        ]) {
          await page.goto(`${server.baseUrl}${pathname}`);
          const steps = page.getByTestId("install-steps");
          const devMode = steps.getByTestId("developer-mode-steps");
          assert.ok(await devMode.isVisible(), `${pathname}: Developer Mode is explained`);
          assert.match(
            (await devMode.textContent()) ?? "",
            /iOS 16 or later.*Settings › Privacy & Security › Developer Mode.*Restart.*Turn On/s,
            pathname,
          );
          assert.equal(await steps.getByTestId("trust-steps").count(), 0, `${pathname}: no trust step for development`);
          // Installs only on registered devices: registration starts here and comes back here.
          const register = steps.getByTestId("register-device-link");
          assert.equal(await register.getAttribute("href"), `/devices?returnTo=${encodeURIComponent(pathname)}`);
          assert.deepEqual(await axeViolations(page), [], pathname);
        }
      } finally {
        await ctx.close();
      }
    });
  }
});

describe("the channel page", () => {
  for (const scheme of ["light", "dark"] as const) {
    test(`desktop (${scheme}): a QR code of the page, Install leads to it, steps, local times`, {
      timeout: 60_000,
    }, async () => {
      const ctx = await context("desktop", scheme);
      try {
        const page = await newPage(ctx, "desktop", scheme);
        const pathname = `/apps/${inHouseNew.appId}/channels/beta`;
        await open(page, pathname);
        assert.equal(await page.getByTestId("channel-install-link").isVisible(), false, "no itms link on a desktop");
        const install = page.getByTestId("channel-install-desktop");
        assert.ok(await install.isVisible());
        assert.match((await install.textContent()) ?? "", /Install GuideInHouse 1\.1 on your iPhone/);
        await install.click();
        assert.equal(new URL(page.url()).hash, "#channel-qr");
        const qr = page.locator("#channel-qr").getByTestId("install-qr");
        assert.ok(
          await qr.evaluate((el) => {
            const r = el.getBoundingClientRect();
            return r.top >= 0 && r.top < window.innerHeight;
          }),
          "Install scrolled to the QR code",
        );
        assert.equal((await readQrCode(qr)).text, `${server.baseUrl}${pathname}`, "the QR code opens this page");
        assert.match((await page.getByTestId("desktop-hint").textContent()) ?? "", /scan the QR code/);
        const steps = page.getByTestId("install-steps");
        assert.match((await steps.getByTestId("trust-steps").textContent()) ?? "", /Guide Corp/);
        // Times in the reader's zone (the page script), not the server's UTC.
        const time = page.getByTestId("local-time").first();
        assert.doesNotMatch((await time.textContent()) ?? "", /UTC$/);
        assert.deepEqual(await axeViolations(page), []);
      } finally {
        await ctx.close();
      }
    });

    test(`iPhone at 390 px (${scheme}): Install, the steps open, no QR code, no sideways scroll`, {
      timeout: 60_000,
    }, async () => {
      const ctx = await context("iphone", scheme);
      try {
        const page = await newPage(ctx, "iphone", scheme);
        const pathname = `/apps/${inHouseNew.appId}/channels/beta`;
        await open(page, pathname);
        assert.equal(page.viewportSize()?.width, 390);
        const install = page.getByTestId("channel-install-link");
        assert.ok(await install.isVisible());
        assert.ok((await install.getAttribute("href"))?.endsWith(`${pathname}/install`));
        assert.equal(await page.getByTestId("install-qr").count(), 0, "a phone cannot scan itself");
        assert.ok(await page.getByTestId("install-steps").getByTestId("trust-steps").isVisible(), "steps open on iOS");
        assert.equal(await scrollsSideways(page), false);
        assert.ok(await page.getByRole("button", { name: "Copy" }).isVisible());
        const copyBox = await page.getByRole("button", { name: "Copy" }).boundingBox();
        assert.ok(copyBox && copyBox.x + copyBox.width <= 390, `Copy at ${JSON.stringify(copyBox)}`);
        assert.deepEqual(await axeViolations(page), []);
      } finally {
        await ctx.close();
      }
    });
  }

  test("iPad in desktop mode: Install, not the QR code", { timeout: 60_000 }, async () => {
    const ctx = await context("ipad", "light");
    try {
      const page = await newPage(ctx, "ipad", "light");
      await open(page, `/apps/${inHouseNew.appId}/channels/beta`);
      assert.ok(await page.getByTestId("channel-install-link").isVisible());
      assert.equal(await page.getByTestId("channel-desktop-install").isVisible(), false);
      assert.equal(await page.getByTestId("desktop-hint").count(), 0);
      assert.equal(await page.getByTestId("in-app-warning").count(), 0);
    } finally {
      await ctx.close();
    }
  });

  test("the app page's older Install on an iPad in desktop mode also carries its trust step", {
    timeout: 60_000,
  }, async () => {
    const ctx = await context("ipad", "dark");
    try {
      const page = await newPage(ctx, "ipad", "dark");
      await open(page, `/apps/${inHouseOld.appId}`);
      const older = page.getByTestId("build-row").nth(1);
      await page.locator('[data-testid="older-versions"] > summary').click();
      assert.ok(await older.getByTestId("install-link").isVisible());
      assert.ok(await older.getByTestId("first-launch-help").isVisible());
    } finally {
      await ctx.close();
    }
  });
});
