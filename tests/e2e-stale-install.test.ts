/**
 * An Install tap never uses a link that expired while the tab sat open: the
 * page's itms-services link is used while it is fresh; once it is about to
 * expire, the tap goes through the build's install route, which mints a new
 * link for the signed-in user and redirects to it.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, newIPhoneContext, signIn, waitForHydration } from "./helpers/browser";
import { createToken, type FerryServer, startFerry } from "./helpers/ferry-server";
import { generateIpa } from "./helpers/generate-ipa";

let server: FerryServer;
let browser: Browser;
let tmp: string;
let buildPage: string;

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
  });
  const res = await fetch(`${server.baseUrl}/api/v1/builds`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
    body: new Uint8Array(fs.readFileSync(file)),
  });
  assert.equal(res.status, 201);
  const { build } = (await res.json()) as { build: { id: string; appId: string } };
  buildPage = `${server.baseUrl}/apps/${build.appId}/builds/${build.id}`;
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** Taps Install and reports whether the tap went through the install route (and where that sent it). */
async function tap(page: Page): Promise<{ viaRoute: boolean; location: string | null }> {
  const routed = page
    .waitForResponse((r) => new URL(r.url()).pathname.endsWith("/install"), { timeout: 3_000 })
    .then((r) => ({ viaRoute: true, location: r.headers().location ?? null }))
    .catch(() => ({ viaRoute: false, location: null }));
  await page.locator('[data-testid="install-link"]').first().click({ noWaitAfter: true });
  return routed;
}

test("a fresh link is used as is; a link about to expire is re-minted at tap time", async () => {
  const context = await newIPhoneContext(browser);
  const page = await context.newPage();
  await page.clock.install();
  await signIn(page, server.baseUrl, server.admin.email, server.admin.password);
  await page.waitForURL((url) => !url.pathname.startsWith("/sign-in"), { timeout: 15_000 });
  await page.goto(buildPage);
  await waitForHydration(page, '[data-testid="install-link"]');
  const minted = await page.locator('[data-testid="install-link"]').first().getAttribute("href");
  assert.match(minted ?? "", /^itms-services:/);

  const fresh = await tap(page);
  assert.equal(fresh.viaRoute, false, "a fresh link goes straight to iOS");
  await page.goto(buildPage);
  await waitForHydration(page, '[data-testid="install-link"]');
  const shown = await page.locator('[data-testid="install-link"]').first().getAttribute("href");

  // The tab sat open for a day: the page's link (INSTALL_LINK_TTL 24h) has expired.
  await page.clock.fastForward("25:00:00");
  const stale = await tap(page);
  assert.equal(stale.viaRoute, true, "the tap went through the install route");
  assert.match(stale.location ?? "", /^itms-services:\/\/\?action=download-manifest&url=/);
  assert.notEqual(stale.location, shown, "a new link, not the expired one");
  await context.close();
});
