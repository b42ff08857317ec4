/**
 * Channels and build management in a real browser: an admin picks an existing
 * channel, is stopped on a typo ("prodution") until they confirm creating it,
 * takes the build out of a channel, renames and deletes channels on the app's
 * channels page, edits notes (Markdown rendered, a <script> inert), and
 * deletes a build on its own page, which names its channels and installs and
 * confirms afterwards; the same without JavaScript. An uploader who may not
 * publish to the app sees no management controls and gets 404 on those pages.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchBrowser, newDesktopContext, signIn, waitForHydration, waitForPageScript } from "./helpers/browser";
import { createToken, createUser, type FerryServer, startFerry } from "./helpers/ferry-server";
import { generateIpa } from "./helpers/generate-ipa";
import { queryDatabase } from "./helpers/test-database";

type Built = { id: string; appId: string; sha256: string };

let server: FerryServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let tmp: string;
let token: string;
let build: Built;
let betaBuild: Built;
const OUTSIDER = { email: "outsider@example.com", password: "outsider-password-1" };

async function upload(buildNumber: string, channel?: string): Promise<Built> {
  const file = path.join(tmp, `${buildNumber}.ipa`);
  await generateIpa(file, { bundleId: "com.example.panel", version: "2.0", buildNumber, name: "Panel", padBytes: 512 });
  const res = await fetch(`${server.baseUrl}/api/v1/builds${channel ? `?channel=${channel}` : ""}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
    body: new Uint8Array(fs.readFileSync(file)),
  });
  assert.equal(res.status, 201);
  return ((await res.json()) as { build: Built }).build;
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-e2e-channels-"));
  server = await startFerry();
  token = await createToken(server);
  build = await upload("7");
  betaBuild = await upload("8", "beta");
  // Everyone sees the app: the outsider (an uploader of no group) can open its pages, not change them.
  await queryDatabase(server.databaseUrl, "UPDATE apps SET visibility = 'everyone' WHERE id = $1", [build.appId]);
  await createUser(server, { ...OUTSIDER, role: "uploader" });
  browser = await launchBrowser();
  context = await newDesktopContext(browser);
  page = await context.newPage();
  await signIn(page, server.baseUrl, server.admin.email, server.admin.password);
});
after(async () => {
  await browser?.close();
  await server?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const channelsOf = async (buildId: string) =>
  (
    await queryDatabase<{ name: string }>(
      server.databaseUrl,
      "SELECT c.name FROM build_channels bc JOIN channels c ON c.id = bc.channel_id WHERE bc.build_id = $1 ORDER BY c.name",
      [buildId],
    )
  ).map((r) => r.name);

describe("channels in the browser", () => {
  test("a typo is stopped until creating the channel is confirmed; existing channels are picked; remove from one", async () => {
    const buildPage = `${server.baseUrl}/apps/${build.appId}/builds/${build.id}`;
    await page.goto(buildPage);
    await waitForHydration(page, '[data-testid="build-manage"]');
    const panel = page.locator('[data-testid="build-manage"]');
    const promote = panel.locator('[data-testid="promote-form"]');
    // The existing channels are offered.
    const options = await panel
      .locator("#promote-channel-options option")
      .evaluateAll((els) => els.map((el) => (el as HTMLOptionElement).value));
    assert.deepEqual(options, ["beta"]);

    await promote.getByLabel("Add to channel").fill("Prodution");
    await promote.getByRole("button", { name: "Add", exact: true }).click();
    const error = promote.locator('[data-testid="form-error"]');
    await error.waitFor({ timeout: 10_000 });
    assert.match(
      (await error.textContent()) ?? "",
      /Unknown channel "prodution": Panel's channels are default, beta\./,
    );
    assert.deepEqual(await channelsOf(build.id), ["default"]);

    assert.match((await promote.textContent()) ?? "", /visible at once to everyone signed in to Ferry/);
    await promote.getByLabel(/It is a new channel: create it/).check();
    await promote.getByRole("button", { name: "Add", exact: true }).click();
    await promote.getByText("Created the channel prodution and added this build to it.").waitFor({ timeout: 10_000 });

    await promote.getByLabel("Add to channel").fill("beta");
    await promote.getByRole("button", { name: "Add", exact: true }).click();
    await promote.getByText("Added to beta.").waitFor({ timeout: 10_000 });
    assert.deepEqual(await channelsOf(build.id), ["beta", "default", "prodution"]);

    await page.reload();
    await waitForHydration(page, '[data-testid="build-manage"]');
    await panel.getByRole("button", { name: "Remove from beta" }).click();
    // The page is rendered again without beta among the build's channels.
    await panel.getByRole("button", { name: "Remove from beta" }).waitFor({ state: "detached", timeout: 10_000 });
    assert.deepEqual(await channelsOf(build.id), ["default", "prodution"]);
    const audit = await queryDatabase<{ entry: string }>(
      server.databaseUrl,
      `SELECT action || ':' || (details->>'channel') AS entry FROM audit_events
       WHERE action IN ('channel.create', 'build.unpromote') AND app_id = $1 ORDER BY id`,
      [build.appId],
    );
    assert.deepEqual(
      audit.map((r) => r.entry),
      ["channel.create:default", "channel.create:beta", "channel.create:prodution", "build.unpromote:beta"],
      "default and beta created by the uploads, prodution when confirmed; then the build taken out of beta",
    );
  });

  test("rename a channel and delete another (its only build moves) on the app's channels page", async () => {
    await page.goto(`${server.baseUrl}/apps/${build.appId}/builds/${build.id}`);
    await page.getByRole("link", { name: "Rename or delete channels" }).click();
    await page.waitForURL(`${server.baseUrl}/apps/${build.appId}/channels`);
    await waitForPageScript(page);

    const typo = page.locator('[data-testid="channel-admin"][data-channel="prodution"]');
    const rename = typo.getByRole("form", { name: "Rename prodution" });
    await rename.getByLabel("New name").fill("beta");
    await rename.getByRole("button", { name: "Rename" }).click();
    await rename.getByText(/already has a channel "beta"/).waitFor({ timeout: 10_000 });
    await rename.getByLabel("New name").fill("production");
    await rename.getByRole("button", { name: "Rename" }).click();
    // Its card is now the production channel's.
    await page.getByText("Renamed prodution to production.").waitFor({ timeout: 10_000 });
    assert.deepEqual(await channelsOf(build.id), ["default", "production"]);

    await page.reload();
    await waitForPageScript(page);
    const beta = page.locator('[data-testid="channel-admin"][data-channel="beta"]');
    const remove = beta.getByRole("form", { name: "Delete beta" });
    assert.match((await remove.textContent()) ?? "", /1 build is only in beta/);
    await remove.getByRole("combobox").selectOption("production");
    await remove.getByRole("checkbox").check();
    await remove.getByRole("button", { name: "Delete channel beta" }).click();
    // The page comes back saying what was deleted (the form's own card is gone).
    await page
      .getByRole("status")
      .filter({ hasText: "Deleted the channel beta. Its builds were kept; 1 build moved to production." })
      .waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('[data-testid="channel-admin"][data-channel="beta"]').count(), 0);
    assert.deepEqual(await channelsOf(betaBuild.id), ["production"]);
    // The default channel is renamed, never deleted.
    const main = page.locator('[data-testid="channel-admin"][data-channel="default"]');
    assert.equal(await main.getByRole("button", { name: /Delete channel/ }).count(), 0);
  });

  test("notes as Markdown; delete a build on its own page, which names what goes and confirms afterwards", async () => {
    const buildPage = `${server.baseUrl}/apps/${build.appId}/builds/${build.id}`;
    await page.goto(buildPage);
    await waitForHydration(page, '[data-testid="build-manage"]');
    const panel = page.locator('[data-testid="build-manage"]');
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

    // These generated builds are unsigned: the channel page says so, like the app and build pages, and offers
    // no Install (the channel Install link of an installable build: tests/e2e-guidance.test.ts).
    await page.goto(`${server.baseUrl}/apps/${build.appId}/channels/production`);
    assert.match((await page.locator('[data-testid="install-blocked"]').textContent()) ?? "", /provisioning profile/);
    assert.equal(await page.locator('[data-testid="channel-install-link"]').count(), 0);

    await page.goto(buildPage);
    await page.locator('[data-testid="delete-build"]').click();
    await page.waitForURL(`${buildPage}/delete`);
    const dialog = page.locator('[data-testid="delete-build-dialog"]');
    await dialog.waitFor();
    assert.equal(await page.locator("h1").textContent(), "Delete Panel 2.0 (7)?");
    assert.equal(await dialog.locator('[data-testid="delete-channels"]').textContent(), "default, production");
    assert.match((await dialog.locator('[data-testid="delete-installs"]').textContent()) ?? "", /downloaded 0 times/);
    await waitForHydration(page, '[data-testid="delete-build-dialog"]');
    await dialog.getByRole("button", { name: "Delete Panel 2.0 (7)" }).click();
    const done = page.locator('[data-testid="build-deleted"]');
    await done.waitFor({ timeout: 10_000 });
    assert.match((await done.textContent()) ?? "", /Deleted Panel 2\.0 \(7\) from default, production\./);
    const rows = await queryDatabase(server.databaseUrl, "SELECT 1 FROM builds WHERE id = $1", [build.id]);
    assert.equal(rows.length, 0);
    assert.equal(fs.existsSync(path.join(server.dataDir, "icons", build.sha256)), false);
  });

  test("without JavaScript: picking a channel and deleting a build still work", async () => {
    const noScript = await browser.newContext({
      storageState: await context.storageState(),
      javaScriptEnabled: false,
      viewport: { width: 390, height: 844 },
    });
    try {
      const tab = await noScript.newPage();
      const buildPage = `${server.baseUrl}/apps/${betaBuild.appId}/builds/${betaBuild.id}`;
      await tab.goto(buildPage);
      const promote = tab.locator('[data-testid="promote-form"]');
      await promote.getByLabel("Add to channel").fill("qa");
      await promote.getByRole("button", { name: "Add", exact: true }).click();
      await tab.locator('[data-testid="promote-form"] [data-testid="form-error"]').waitFor({ timeout: 10_000 });
      assert.deepEqual(await channelsOf(betaBuild.id), ["production"]);
      await tab.locator('[data-testid="promote-form"]').getByLabel("Add to channel").fill("default");
      await tab.locator('[data-testid="promote-form"]').getByRole("button", { name: "Add", exact: true }).click();
      await tab.locator('[data-testid="promote-form"] [data-testid="form-success"]').waitFor({ timeout: 10_000 });
      assert.deepEqual(await channelsOf(betaBuild.id), ["default", "production"]);

      await tab.goto(`${buildPage}/delete`);
      await tab.getByRole("button", { name: "Delete Panel 2.0 (8)" }).click();
      await tab.locator('[data-testid="build-deleted"]').waitFor({ timeout: 10_000 });
      assert.equal(
        (await queryDatabase(server.databaseUrl, "SELECT 1 FROM builds WHERE id = $1", [betaBuild.id])).length,
        0,
      );
    } finally {
      await noScript.close();
    }
  });

  test("an uploader who may not publish to the app sees no Manage panel; its channels and delete pages are 404", async () => {
    const kept = await upload("9");
    const outsider = await newDesktopContext(browser);
    try {
      const tab = await outsider.newPage();
      await signIn(tab, server.baseUrl, OUTSIDER.email, OUTSIDER.password);
      const buildPage = `${server.baseUrl}/apps/${kept.appId}/builds/${kept.id}`;
      const res = await tab.goto(buildPage);
      assert.equal(res?.status(), 200);
      await waitForHydration(tab, '[data-testid="install-root"]');
      assert.equal(await tab.locator('[data-testid="build-manage"]').count(), 0);
      assert.equal(await tab.getByText("Delete build").count(), 0);
      assert.equal((await tab.goto(`${buildPage}/delete`))?.status(), 404);
      assert.equal((await tab.goto(`${server.baseUrl}/apps/${kept.appId}/channels`))?.status(), 404);
    } finally {
      await outsider.close();
    }
  });
});
