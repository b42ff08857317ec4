/**
 * The build page's management panel in a real browser: an admin adds a build
 * to a channel, edits its notes (Markdown rendered, a <script> inert), opens
 * the channel's stable page, and deletes the build with the Delete button.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, newDesktopContext, signIn, waitForHydration } from "./helpers/browser";
import { createToken, type FerryServer, startFerry } from "./helpers/ferry-server";
import { generateIpa } from "./helpers/generate-ipa";
import { queryDatabase } from "./helpers/test-database";

let server: FerryServer;
let browser: Browser;
let page: Page;
let tmp: string;
let build: { id: string; appId: string; sha256: string };

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-e2e-channels-"));
  server = await startFerry();
  const token = await createToken(server);
  const file = path.join(tmp, "a.ipa");
  await generateIpa(file, {
    bundleId: "com.example.panel",
    version: "2.0",
    buildNumber: "7",
    name: "Panel",
    padBytes: 512,
  });
  const res = await fetch(`${server.baseUrl}/api/v1/builds`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
    body: new Uint8Array(fs.readFileSync(file)),
  });
  build = ((await res.json()) as { build: typeof build }).build;
  browser = await launchBrowser();
  page = await (await newDesktopContext(browser)).newPage();
  await signIn(page, server.baseUrl, server.admin.email, server.admin.password);
});
after(async () => {
  await browser?.close();
  await server?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe("build management in the browser", () => {
  test("promote to a channel, edit notes as Markdown, open the channel page, delete", async () => {
    const buildPage = `${server.baseUrl}/apps/${build.appId}/builds/${build.id}`;
    await page.goto(buildPage);
    await waitForHydration(page, '[data-testid="build-manage"]');
    const panel = page.locator('[data-testid="build-manage"]');

    await panel.getByLabel("Add to channel").fill("Production");
    await panel.getByRole("button", { name: "Add", exact: true }).click();
    await panel.getByText("Added to production.").waitFor({ timeout: 10_000 });

    await panel
      .getByLabel("Release notes (Markdown)")
      .fill("**Faster** sync\n\n<script>window.pwned = 1</script>\n\n[x](javascript:window.pwned=2)");
    await panel.getByRole("button", { name: "Save notes" }).click();
    await panel.getByText("Release notes saved.").waitFor({ timeout: 10_000 });
    await page.reload();
    const notes = page.locator('[data-testid="release-notes"]');
    await notes.waitFor();
    assert.equal(await notes.locator("strong").textContent(), "Faster");
    assert.equal(await notes.locator("script").count(), 0);
    assert.equal(await notes.locator("a").count(), 0, "a javascript: link is rendered as text");
    assert.equal(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned), undefined);
    assert.ok((await page.locator('[data-testid="channel-badges"]').textContent())?.includes("production"));

    await page.goto(`${server.baseUrl}/apps/${build.appId}/channels/production`);
    assert.equal(await page.locator('[data-testid="channel-latest"]').textContent(), "2.0 (7)");
    const install = await page.locator('[data-testid="channel-install-link"]').getAttribute("href");
    assert.ok(install?.endsWith(`/apps/${build.appId}/channels/production/install`), install ?? "");

    await page.goto(buildPage);
    await waitForHydration(page, '[data-testid="build-manage"]');
    page.once("dialog", (dialog) => void dialog.accept());
    await page.getByRole("button", { name: "Delete build" }).click();
    await page.waitForURL(`${server.baseUrl}/apps/${build.appId}`, { timeout: 10_000 });
    const rows = await queryDatabase(server.databaseUrl, "SELECT 1 FROM builds WHERE id = $1", [build.id]);
    assert.equal(rows.length, 0);
    assert.equal(fs.existsSync(path.join(server.dataDir, "icons", build.sha256)), false);
  });
});
