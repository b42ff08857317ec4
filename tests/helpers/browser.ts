/**
 * Real-browser helpers for end-to-end tests: Debian's Chromium driven by
 * playwright-core (no bundled browsers: `npx playwright install` needs the
 * internet), emulated iPhone / iPad / desktop contexts, sign-in, and reading
 * the QR code a page renders.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import jsQR from "jsqr";
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  devices,
  type Locator,
  type Page,
} from "playwright-core";
import * as plist from "plist";
import { PNG } from "pngjs";
import type { CmsSigner } from "@/lib/devices/cms-sign";
import { signPost } from "./device-identity";

export const CHROMIUM_PATH = process.env.FERRY_TEST_CHROMIUM ?? "/usr/bin/chromium";

/** Flags that keep Chromium quiet and deterministic in a container with no GPU, no sandbox and no internet. */
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
}

/** The newest iPhone descriptor this playwright-core knows, preferring "iPhone 15". */
export function iPhoneDescriptor(): BrowserContextOptions & { userAgent: string } {
  const preferred = ["iPhone 15", "iPhone 15 Pro", "iPhone 14", "iPhone 13", "iPhone 12"];
  for (const name of preferred) {
    const descriptor = devices[name];
    if (descriptor) {
      // defaultBrowserType is a launcher hint, not a context option.
      const { defaultBrowserType: _ignored, ...options } = descriptor;
      return options;
    }
  }
  throw new Error("playwright-core has no iPhone device descriptor");
}

/** iPadOS 13+ Safari in its default "desktop website" mode: a Mac user agent on a touch screen. */
export const IPAD_AS_MAC_USER_AGENT =
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15";

export const DESKTOP_USER_AGENT =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";

type ContextExtras = Pick<BrowserContextOptions, "baseURL" | "storageState">;

/** An emulated iPhone; `userAgentSuffix` turns it into an in-app browser (e.g. " Slack/24.06"). */
export async function newIPhoneContext(
  browser: Browser,
  options: ContextExtras & { userAgentSuffix?: string } = {},
): Promise<BrowserContext> {
  const { userAgentSuffix, ...extras } = options;
  const descriptor = iPhoneDescriptor();
  return browser.newContext({
    ...descriptor,
    userAgent: descriptor.userAgent + (userAgentSuffix ?? ""),
    ...extras,
  });
}

export async function newDesktopContext(browser: Browser, options: ContextExtras = {}): Promise<BrowserContext> {
  return browser.newContext({
    userAgent: DESKTOP_USER_AGENT,
    viewport: { width: 1280, height: 900 },
    deviceScaleFactor: 1,
    isMobile: false,
    hasTouch: false,
    ...options,
  });
}

/** A real iPad reports 5 touch points; Playwright's `hasTouch` alone reports 1 (CDP's default). */
export const IPAD_MAX_TOUCH_POINTS = 5;

/**
 * An iPad in desktop-website mode. Playwright's `hasTouch` makes
 * navigator.maxTouchPoints 1, which no real iPad reports (and which Ferry,
 * like every iPad sniffing script, does not count as an iPad), so each page
 * gets the real value through CDP: use `newIPadAsMacPage`.
 */
export async function newIPadAsMacContext(browser: Browser, options: ContextExtras = {}): Promise<BrowserContext> {
  return browser.newContext({
    userAgent: IPAD_AS_MAC_USER_AGENT,
    viewport: { width: 820, height: 1180 },
    deviceScaleFactor: 2,
    isMobile: false,
    hasTouch: true,
    ...options,
  });
}

export async function newIPadAsMacPage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  // Emulation state belongs to the target, so it survives navigations.
  await cdp.send("Emulation.setTouchEmulationEnabled", { enabled: true, maxTouchPoints: IPAD_MAX_TOUCH_POINTS });
  return page;
}

/**
 * Signs in through the real form. Call on the sign-in page (e.g. after being
 * redirected there); resolves once the app has navigated away from it.
 */
export async function fillSignInForm(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  // The form calls next-auth's signIn() then router.replace(callbackUrl): a client-side navigation.
  await page.waitForURL((url) => url.pathname !== "/sign-in", { timeout: 30_000 });
}

export async function signIn(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/sign-in`);
  await fillSignInForm(page, email, password);
}

/**
 * Resolves once the element matched by `selector` is on the page and React has
 * hydrated the page and run its initial effects (app/layout.tsx's
 * HydrationMarker sets `<html data-hydrated>` after every other effect), so
 * that the *absence* of something a client component renders from an effect
 * means something. A condition, not a delay: a slow machine only waits longer.
 */
export async function waitForHydration(page: Page, selector: string): Promise<void> {
  await page.waitForFunction(
    (sel) => document.querySelector(sel) !== null && document.documentElement.hasAttribute("data-hydrated"),
    selector,
    { timeout: 30_000 },
  );
  // State an effect set is rendered by the next frame.
  await page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => resolve())));
}

/** The pages served without the React runtime (pages/): waits until public/page-script.js has enhanced the page. */
export async function waitForPageScript(page: Page): Promise<void> {
  await page.waitForFunction(() => document.documentElement.hasAttribute("data-enhanced"), undefined, {
    timeout: 30_000,
  });
}

/** Decodes a QR code from a PNG, or returns null. */
export function decodeQrPng(png: Buffer): string | null {
  const image = PNG.sync.read(png);
  const pixels = new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length);
  return jsQR(pixels, image.width, image.height, { inversionAttempts: "dontInvert" })?.data ?? null;
}

/**
 * Screenshots `locator` and decodes the QR code in it. Tries the element as
 * rendered first (what a phone camera would see); if that is too small for
 * jsQR, enlarges the element in place and tries again.
 */
export async function readQrCode(locator: Locator): Promise<{ text: string; enlarged: boolean }> {
  const page = locator.page();
  // A clip of the page, not locator.screenshot(): with mobile emulation the
  // visual viewport can be scaled slightly, and element screenshots then crop
  // the wrong region.
  const shoot = async (): Promise<Buffer> => {
    await locator.scrollIntoViewIfNeeded();
    const box = await locator.boundingBox();
    if (!box) throw new Error("the QR code element is not visible");
    return page.screenshot({ clip: box, animations: "disabled" });
  };
  const asRendered = decodeQrPng(await shoot());
  if (asRendered !== null) return { text: asRendered, enlarged: false };
  await locator.evaluate((element) => {
    if (element instanceof HTMLElement) {
      element.style.width = "480px";
      element.style.height = "480px";
    }
  });
  const enlarged = decodeQrPng(await shoot());
  if (enlarged === null) throw new Error("no QR code could be decoded from the element, even enlarged to 480px");
  return { text: enlarged, enlarged: true };
}

/**
 * Taps "Register this iPhone" (on `start`, or the page as it is when `start` is empty), reads the downloaded
 * enrollment profile, and posts the device's answer signed by `identity` as iOS would. Returns where Ferry
 * sends Safari next (the confirmation page).
 */
export async function registerThisPhone(
  page: Page,
  options: { baseUrl: string; udid: string; identity: CmsSigner; start?: string },
): Promise<string> {
  const { baseUrl, udid, identity, start = "/devices" } = options;
  if (start) await page.goto(`${baseUrl}${start}`);
  const button = page.getByTestId("register-device");
  assert.match((await button.textContent()) ?? "", /Register this iPhone/);
  const [download] = await Promise.all([page.waitForEvent("download", { timeout: 30_000 }), button.click()]);
  const profile = plist.parse(fs.readFileSync(await download.path(), "utf8")) as {
    PayloadType: string;
    PayloadContent: { URL: string; Challenge: string };
  };
  assert.equal(profile.PayloadType, "Profile Service");
  const body = signPost(
    plist.build({ UDID: udid, CHALLENGE: profile.PayloadContent.Challenge, PRODUCT: "iPhone15,2", VERSION: "21F90" }),
    identity,
  );
  const res = await fetch(profile.PayloadContent.URL, {
    method: "POST",
    redirect: "manual",
    body: new Uint8Array(body),
  });
  assert.equal(res.status, 301);
  return res.headers.get("location") ?? "";
}
