/**
 * Device registration in a real browser emulating an iPhone, with an
 * unsigned enrollment profile: the /devices page offers "Register this
 * iPhone", the profile downloads, a simulated iOS posts the signed answer,
 * Safari lands on the confirmation (and remembers the device), and the build
 * page gives the verdict for an included and for a missing device. A desktop
 * is told to register from the phone.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { parseProvisioningProfile } from "@/lib/analysis/profile/parse-profile";
import {
  iPhoneDescriptor,
  launchBrowser,
  newDesktopContext,
  newIPhoneContext,
  registerThisPhone as registerInBrowser,
  signIn,
} from "./helpers/browser";
import { testDeviceIdentityCa } from "./helpers/device-identity";
import { createToken, type FerryServer, startFerry } from "./helpers/ferry-server";
import { generateIpa } from "./helpers/generate-ipa";
import { queryDatabase } from "./helpers/test-database";
import { testProfile } from "./helpers/test-profile";

const MISSING_UDID = "00008030-00AA11BB22CC33DD";

let server: FerryServer;
let scratch: string;
let browser: Browser;
let iPhone: BrowserContext;
let page: Page;
let buildPath: string;
let appPath: string;
let listedUdid: string;
/** The simulated iPhone's identity, under the test root the server trusts (CODESIGN_EXTRA_ROOTS). */
const pki = testDeviceIdentityCa();
const iphoneIdentity = pki.newDevice();

function registerThisPhone(udid: string, on: Page = page, start = "/devices"): Promise<string> {
  return registerInBrowser(on, { baseUrl: server.baseUrl, udid, identity: iphoneIdentity, start });
}

before(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-e2e-devices-"));
  server = await startFerry({ env: { CODESIGN_EXTRA_ROOTS: pki.root.pem } });
  const created = await server.cli(["user", "create", "--email", "phone@example.com", "--password", "phone-password"]);
  assert.equal(created.code, 0, created.stderr);
  const token = await createToken(server);
  const profileBytes = Buffer.from(testProfile({ bundleId: "com.example.ferry.e2e-devices", type: "ad-hoc" }));
  listedUdid = parseProvisioningProfile(profileBytes, new Date("2020-01-01T00:00:00Z")).devices[0]!;
  const ipa = path.join(scratch, "dev.ipa");
  await generateIpa(ipa, {
    bundleId: "com.example.ferry.e2e-devices",
    version: "2.0",
    buildNumber: "7",
    name: "DevicesE2E",
    padBytes: 1000,
    extraFiles: [{ path: "Payload/DevicesE2E.app/embedded.mobileprovision", data: profileBytes }],
  });
  const up = await fetch(`${server.baseUrl}/api/v1/builds`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
    body: new Uint8Array(fs.readFileSync(ipa)),
  });
  const { build } = (await up.json()) as { build: { id: string; appId: string } };
  buildPath = `/apps/${build.appId}/builds/${build.id}`;
  appPath = `/apps/${build.appId}`;
  await queryDatabase(server.databaseUrl, "UPDATE apps SET visibility = 'everyone'");
  browser = await launchBrowser();
  iPhone = await newIPhoneContext(browser);
  page = await iPhone.newPage();
  await signIn(page, server.baseUrl, "phone@example.com", "phone-password");
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

describe("iPhone registration", () => {
  test("unsigned profile: the page says iOS will show it as Not Verified", async () => {
    await page.goto(`${server.baseUrl}/devices`);
    assert.match((await page.getByTestId("profile-signing-note").textContent()) ?? "", /Not Verified/);
  });

  test("register, land on the confirmation, and the build page says this iPhone is included", async () => {
    const location = await registerThisPhone(listedUdid);
    await page.goto(location);
    await page.getByTestId("device-registered").waitFor({ timeout: 15_000 });
    assert.equal(await page.getByTestId("registered-udid").textContent(), listedUdid);
    await page.goto(`${server.baseUrl}${buildPath}`);
    const verdict = page.getByTestId("device-verdict");
    assert.equal(await verdict.getAttribute("data-verdict"), "included");
    assert.match((await verdict.textContent()) ?? "", /This iPhone is included/);
  });

  test("a device missing from the profile: 'ask the uploader', with its UDID to copy", async () => {
    const location = await registerThisPhone(MISSING_UDID);
    await page.goto(location);
    await page.getByTestId("device-registered").waitFor({ timeout: 15_000 });
    await page.goto(`${server.baseUrl}${buildPath}`);
    const verdict = page.getByTestId("device-verdict");
    assert.equal(await verdict.getAttribute("data-verdict"), "missing");
    const text = (await verdict.textContent()) ?? "";
    assert.match(text, /This iPhone is not in this build/);
    assert.ok(text.includes(MISSING_UDID));
    // Who to ask is said once on the page (the install panel), not in each notice.
    const asks = page.getByTestId("ask-uploader");
    assert.equal(await asks.count(), 1);
    assert.match((await asks.textContent()) ?? "", /Ask admin@example\.com \(who uploaded it\) to add this device/);
    assert.equal((await page.locator("main").textContent())?.match(/\bask\b/gi)?.length, 1, "one ask on the page");
    await verdict.getByRole("button", { name: /Copy UDID/ }).waitFor();
  });

  test("registering from the app page leads back to it; the device shows as people call it", async () => {
    // A browser that knows no device yet, as someone opening the app page for the first time.
    for (const scheme of ["light", "dark"] as const) {
      const context = await browser.newContext({ ...iPhoneDescriptor(), colorScheme: scheme });
      try {
        const phone = await context.newPage();
        await signIn(phone, server.baseUrl, "phone@example.com", "phone-password");
        await phone.goto(`${server.baseUrl}${appPath}`);
        // The ad hoc build's steps offer registration, carrying where to come back to.
        const link = phone.getByTestId("install-steps").getByTestId("register-device-link");
        assert.equal(await link.getAttribute("href"), `/devices?returnTo=${encodeURIComponent(appPath)}`);
        await link.click();
        await phone.waitForURL((url) => url.pathname === "/devices");
        const register = phone.getByTestId("register-device");
        assert.equal(await register.getAttribute("href"), `/devices/enroll?returnTo=${encodeURIComponent(appPath)}`);
        const udid = scheme === "light" ? "00008120-0011223344556677" : "00008120-0011223344556688";
        const location = await registerThisPhone(udid, phone, "");
        await phone.goto(location);
        const card = phone.getByTestId("device-registered");
        await card.waitFor({ timeout: 15_000 });
        const text = (await card.textContent()) ?? "";
        // PRODUCT iPhone15,2 and VERSION 21F90, as people know them.
        assert.match(text, /iPhone 14 Pro/);
        assert.match(text, /iOS 17\.5 \(21F90\)/);
        assert.doesNotMatch(text, /iPhone15,2/);
        const back = phone.getByTestId("return-to-app");
        assert.equal(await back.getAttribute("href"), appPath);
        const listed = phone.locator(`[data-testid="my-device"][data-udid="${udid}"]`);
        assert.match((await listed.textContent()) ?? "", /iPhone 14 Pro.*iOS 17\.5 \(21F90\)/s);
        await back.click();
        await phone.waitForURL(`${server.baseUrl}${appPath}`);
        // Used once: the next registration from the devices page itself does not lead to the app.
        await phone.goto(`${server.baseUrl}/devices`);
        assert.equal(await phone.getByTestId("register-device").getAttribute("href"), "/devices/enroll");
      } finally {
        await context.close();
      }
    }
  });

  test("a returnTo that leaves the site is ignored all the way through", async () => {
    for (const hostile of ["https://evil.example/apps", "//evil.example/apps", "/%5Cevil.example"]) {
      await page.goto(`${server.baseUrl}/devices?returnTo=${encodeURIComponent(hostile)}`);
      assert.equal(await page.getByTestId("register-device").getAttribute("href"), "/devices/enroll");
      const res = await page.request.get(`${server.baseUrl}/devices/enroll?returnTo=${encodeURIComponent(hostile)}`, {
        maxRedirects: 0,
      });
      assert.equal(res.status(), 200);
      assert.doesNotMatch(res.headers()["set-cookie"] ?? "", /ferry-enroll-return/);
    }
  });

  test("desktop: explains how to register from the phone, no download button", async () => {
    const desktop = await newDesktopContext(browser);
    const p = await desktop.newPage();
    await signIn(p, server.baseUrl, "phone@example.com", "phone-password");
    await p.goto(`${server.baseUrl}/devices`);
    assert.match((await p.getByTestId("register-from-phone").textContent()) ?? "", /Safari on your iPhone/);
    assert.equal(await p.getByTestId("register-device").count(), 0);
    await desktop.close();
  });
});
