/**
 * An Install tap never uses a link that expired while the tab sat open: the
 * page's itms-services link is used while it is fresh; once it is about to
 * expire, the tap goes through the build's install route, which mints a new
 * link for the signed-in user and redirects to it. Both on the build page (a
 * React client component) and on the install page (no React runtime: the page
 * script does it).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, newIPhoneContext, signIn, waitForHydration, waitForPageScript } from "./helpers/browser";
import { createToken, type FerryServer, startFerry } from "./helpers/ferry-server";
import { generateIpa } from "./helpers/generate-ipa";
import { embeddedProfile } from "./helpers/test-profile";

let server: FerryServer;
let browser: Browser;
let tmp: string;
let buildPage: string;
let appPage: string;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-e2e-stale-"));
  server = await startFerry();
  const token = await createToken(server);
  const file = path.join(tmp, "a.ipa");
  await generateIpa(file, {
    bundleId: "com.example.stale",
    version: "1.0",
    buildNumber: "1",
    name: "Stale",
    padBytes: 256,
    // An installable build (enterprise profile): blocked builds offer no Install link at all.
    extraFiles: [embeddedProfile("Stale", "com.example.stale")],
  });
  const res = await fetch(`${server.baseUrl}/api/v1/builds`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
    body: new Uint8Array(fs.readFileSync(file)),
  });
  assert.equal(res.status, 201);
  const { build } = (await res.json()) as { build: { id: string; appId: string } };
  buildPage = `${server.baseUrl}/apps/${build.appId}/builds/${build.id}`;
  appPage = `${server.baseUrl}/apps/${build.appId}`;
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** Taps Install; the URL of the install route if the tap went through it, else null. */
async function tap(page: Page): Promise<string | null> {
  const routed = page
    .waitForRequest((r) => new URL(r.url()).pathname.endsWith("/install"), { timeout: 5_000 })
    .then((r) => r.url())
    .catch(() => null);
  // The click event a tap produces (Playwright's own actionability checks do not settle under a faked page clock).
  await page.locator('[data-testid="install-link"]').first().dispatchEvent("click");
  return routed;
}

for (const [name, url, ready] of [
  ["build page", () => buildPage, (page: Page) => waitForHydration(page, '[data-testid="install-link"]')],
  ["install page", () => appPage, waitForPageScript],
] as const) {
  test(`${name}: a fresh link is used as is; a link about to expire is re-minted at tap time`, async () => {
    const context = await newIPhoneContext(browser);
    const page = await context.newPage();
    await signIn(page, server.baseUrl, server.admin.email, server.admin.password);
    await page.waitForURL((url) => !url.pathname.startsWith("/sign-in"), { timeout: 15_000 });
    await page.goto(url());
    await ready(page);
    const minted = await page.locator('[data-testid="install-link"]').first().getAttribute("href");
    assert.match(minted ?? "", /^itms-services:/);

    assert.equal(await tap(page), null, "a fresh link goes straight to iOS");
    await page.goto(url());
    await ready(page);
    const shown = await page.locator('[data-testid="install-link"]').first().getAttribute("href");

    // The tab sat open for a day: the page's link (INSTALL_LINK_TTL 24h) has expired.
    // Only the page's clock moves (timers keep running): Date.now() is a day on.
    await page.clock.setFixedTime(Date.now() + 25 * 3_600_000);
    const route = await tap(page);
    assert.ok(route, "the tap went through the install route");
    // That route mints a new link for the signed-in user and sends iOS to it.
    const res = await context.request.get(route, { maxRedirects: 0 });
    assert.equal(res.status(), 303);
    const location = res.headers().location ?? "";
    assert.match(location, /^itms-services:\/\/\?action=download-manifest&url=/);
    // A working link for this user: its manifest is served.
    const manifestUrl = decodeURIComponent(
      new URL(location.replace("itms-services://", "https://x/")).searchParams.get("url") ?? "",
    );
    assert.equal((await fetch(manifestUrl)).status, 200);
    assert.ok(shown?.startsWith("itms-services:"));
    await context.close();
  });
}
