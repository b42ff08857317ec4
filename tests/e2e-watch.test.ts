/**
 * Watch / Unwatch on an emulated iPhone (issue 18): a member taps Watch on the
 * app page and on a channel page, the button becomes Unwatch and the watch is
 * stored for that person (the whole app, or that channel only); Unwatch
 * removes it and offers Watch again. The control is a plain form: no React.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchBrowser, newIPhoneContext, signIn } from "./helpers/browser";
import { createToken, createUser, type FerryServer, startFerry } from "./helpers/ferry-server";
import { generateIpa } from "./helpers/generate-ipa";
import { queryDatabase } from "./helpers/test-database";

const MEMBER = { email: "wanda.watcher@example.com", password: "watcher-pass-1234", role: "member" as const };

let server: FerryServer;
let browser: Browser;
let iPhone: BrowserContext;
let page: Page;
let scratch: string;
let appId = "";

/** The member's watches of the app: the channel's name, or null for the whole app. */
async function watches(): Promise<(string | null)[]> {
  const rows = await queryDatabase<{ channel: string | null }>(
    server.databaseUrl,
    `SELECT c.name AS channel FROM watches w JOIN users u ON u.id = w.user_id
     LEFT JOIN channels c ON c.id = w.channel_id WHERE u.email = $1 AND w.app_id = $2 ORDER BY c.name NULLS FIRST`,
    [MEMBER.email, appId],
  );
  return rows.map((r) => r.channel);
}

/** Taps the control's one button; the form posts and the browser is sent back to the same page. */
async function tap(name: "Watch" | "Unwatch"): Promise<void> {
  await page.getByTestId("watch-control").getByRole("button", { name, exact: true }).tap();
}

before(
  async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-e2e-watch-"));
    server = await startFerry();
    await createUser(server, MEMBER);
    const token = await createToken(server);
    const file = path.join(scratch, "watch.ipa");
    await generateIpa(file, {
      bundleId: "com.example.watch",
      version: "1.0",
      buildNumber: "1",
      name: "Watch Me",
      padBytes: 256,
    });
    const form = new FormData();
    form.append("file", await fs.openAsBlob(file), "watch.ipa");
    form.append("channel", "beta");
    const res = await fetch(`${server.baseUrl}/api/v1/builds`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    assert.equal(res.status, 201, await res.clone().text());
    appId = ((await res.json()) as { build: { appId: string } }).build.appId;
    await queryDatabase(server.databaseUrl, "UPDATE apps SET visibility = 'everyone' WHERE id = $1", [appId]);
    browser = await launchBrowser();
    iPhone = await newIPhoneContext(browser);
    page = await iPhone.newPage();
    await signIn(page, server.baseUrl, MEMBER.email, MEMBER.password);
  },
  { timeout: 240_000 },
);

after(
  async () => {
    await browser?.close().catch(() => {});
    await server?.stop();
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  },
  { timeout: 60_000 },
);

describe("Watch on an iPhone", () => {
  for (const { where, pagePath, stored } of [
    { where: "the app page", pagePath: () => `/apps/${appId}`, stored: null },
    { where: "the channel page", pagePath: () => `/apps/${appId}/channels/beta`, stored: "beta" },
  ]) {
    test(`Watch on ${where} becomes Unwatch and is stored; Unwatch removes it`, { timeout: 120_000 }, async () => {
      const url = pagePath();
      await page.goto(`${server.baseUrl}${url}`);
      const control = page.getByTestId("watch-control");
      await control.getByTestId("watch").waitFor();
      assert.deepEqual(await watches(), []);

      await tap("Watch");
      // The page the form sends the browser back to offers Unwatch: the watch was stored first.
      await control.getByTestId("unwatch").waitFor();
      assert.equal(new URL(page.url()).pathname, url);
      assert.equal((await control.getByRole("button").textContent())?.trim(), "Unwatch");
      assert.match((await control.textContent()) ?? "", /You get an email when a new build/);
      assert.deepEqual(await watches(), [stored]);

      await tap("Unwatch");
      await control.getByTestId("watch").waitFor();
      assert.equal((await control.getByRole("button").textContent())?.trim(), "Watch");
      assert.deepEqual(await watches(), []);
    });
  }
});
