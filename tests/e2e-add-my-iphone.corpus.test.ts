/**
 * "Add my iPhone" in a real browser emulating an iPhone, against a real
 * server whose App Store Connect is the suite's fake
 * (tests/helpers/fake-app-store-connect.ts): an admin sets up the key and
 * device sync over the API, a development build (synthetic fixture) is
 * uploaded, a person registers an iPhone the build lacks, taps "Add my
 * iPhone", sees the progress, and then opens the re-signed build, whose page
 * says the iPhone is included and offers the live Install; back on the older
 * build, the panel leads to the newer one instead of asking again. Then a
 * second person's request is refused by Apple (the yearly device limit): the
 * panel stops waiting and says why in plain words, with Apple's own detail.
 */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { loadCmsSigner } from "@/lib/devices/cms-sign";
import { launchBrowser, newIPhoneContext, registerThisPhone as registerInBrowser, signIn } from "./helpers/browser";
import { testDeviceIdentityCa } from "./helpers/device-identity";
import { type FakeAppStoreConnect, startFakeAppStoreConnect } from "./helpers/fake-app-store-connect";
import { createToken, type FerryServer, startFerry } from "./helpers/ferry-server";
import { fixturePath } from "./helpers/fixtures";
import { exportP12, makeTestPki, TEST_TEAM_ID, type TestPki } from "./helpers/signing-pki";
import { queryDatabase } from "./helpers/test-database";

const UDID = "00008110-00E2E0A11CE00001";
let server: FerryServer;
let fake: FakeAppStoreConnect;
let scratch: string;
let browser: Browser;
let iPhone: BrowserContext;
let page: Page;
let buildPath: string;
let signing: TestPki;
const devices = testDeviceIdentityCa();
const iphoneIdentity = devices.newDevice();

async function admin(method: string, url: string, token: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${server.baseUrl}${url}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body && !(body instanceof FormData) ? { "content-type": "application/json" } : {}),
    },
    body: body instanceof FormData ? body : body ? JSON.stringify(body) : undefined,
  });
  const json = (await res.json()) as Record<string, unknown>;
  assert.ok(res.ok, `${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Registers this iPhone as /devices does, then lands on the confirmation, which remembers this device (the build page's verdict needs it). */
async function registerThisPhone(udid: string, on: Page = page, identity = iphoneIdentity): Promise<void> {
  await on.goto(await registerInBrowser(on, { baseUrl: server.baseUrl, udid, identity }));
  await on.getByTestId("device-registered").waitFor({ timeout: 15_000 });
}

before(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-e2e-asc-"));
  signing = makeTestPki(path.join(scratch, "pki"));
  fake = await startFakeAppStoreConnect({
    profileSigner: loadCmsSigner(
      fs.readFileSync(signing.intermediate, "utf8") + fs.readFileSync(signing.root, "utf8"),
      fs.readFileSync(path.join(signing.dir, "intermediate.key"), "utf8"),
    ),
    teamId: TEST_TEAM_ID,
  });
  fake.addBundleId("com.icyleaf.AppInfoDemo", "App Info Demo");
  fake.addCertificate(Buffer.from(new X509Certificate(fs.readFileSync(signing.rsa.cert)).raw), "DEVELOPMENT");
  server = await startFerry({
    env: {
      APP_STORE_CONNECT_API_URL: fake.url,
      // The device identities' root (enrollment) and the signing root (the re-signed build's signature).
      CODESIGN_EXTRA_ROOTS: `${devices.root.pem}\n${fs.readFileSync(signing.root, "utf8")}`,
    },
  });
  const created = await server.cli(["user", "create", "--email", "phone@example.com", "--password", "phone-password"]);
  assert.equal(created.code, 0, created.stderr);
  const token = await createToken(server, server.admin.email, ["--scopes", "upload,read,sign"]);
  const up = await fetch(`${server.baseUrl}/api/v1/builds`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
    body: new Uint8Array(fs.readFileSync(fixturePath("synthetic", "synthetic--development-2036.ipa"))),
  });
  assert.equal(up.status, 201);
  const { build } = (await up.json()) as { build: { id: string; appId: string } };
  buildPath = `/apps/${build.appId}/builds/${build.id}`;
  await queryDatabase(server.databaseUrl, "UPDATE apps SET visibility = 'everyone'");
  const form = new FormData();
  form.append("file", new Blob([fs.readFileSync(exportP12(signing, signing.rsa, "rsa", "pw"))]));
  form.append("password", "pw");
  const identity = (await admin("POST", "/api/v1/signing/identities", token, form)).identity as { id: string };
  await admin("PUT", "/api/v1/app-store-connect/key", token, {
    issuerId: fake.issuerId,
    keyId: fake.keyId,
    privateKey: fake.p8,
  });
  const test = (await admin("POST", "/api/v1/app-store-connect/test", token)).connection as {
    certificates: unknown[];
  };
  assert.equal(test.certificates.length, 1);
  await admin("PUT", `/api/v1/apps/${build.appId}/device-sync`, token, {
    enabled: true,
    identityId: identity.id,
    profileType: "development",
  });
  browser = await launchBrowser();
  iPhone = await newIPhoneContext(browser);
  page = await iPhone.newPage();
  await signIn(page, server.baseUrl, "phone@example.com", "phone-password");
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await fake?.close();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

describe("Add my iPhone on an iPhone", () => {
  test("the missing iPhone taps Add my iPhone, sees progress, then installs the re-signed build", async () => {
    await registerThisPhone(UDID);
    await page.goto(`${server.baseUrl}${buildPath}`);
    assert.equal(await page.getByTestId("device-verdict").getAttribute("data-verdict"), "missing");
    const button = page.getByTestId("add-devices-button");
    assert.equal((await button.textContent())?.trim(), "Add my iPhone");
    await button.click();
    await page.getByTestId("add-devices-progress").waitFor({ timeout: 15_000 });
    const ready = page.getByTestId("add-devices-ready");
    await ready.waitFor({ timeout: 180_000 });
    assert.ok(
      fake.devices.some((d) => d.udid === UDID),
      "Apple has the device",
    );
    assert.equal(fake.profiles.filter((p) => p.name.startsWith("Ferry ")).length, 1);
    await ready.getByRole("link").click();
    await page.waitForURL(/\/builds\//);
    assert.notEqual(new URL(page.url()).pathname, buildPath);
    assert.equal(await page.getByTestId("device-verdict").getAttribute("data-verdict"), "included");
    const install = page.getByTestId("install-link");
    await install.waitFor();
    assert.match((await install.getAttribute("href")) ?? "", /^itms-services:/);
    const resignedPath = new URL(page.url()).pathname;
    // The older build: led to the newer re-signed one, no fresh request offered.
    await page.goto(`${server.baseUrl}${buildPath}`);
    const newer = page.getByTestId("add-devices-newer");
    await newer.waitFor();
    assert.match((await newer.textContent()) ?? "", /Your device is in the newer re-signed build/);
    assert.equal(await newer.getByRole("link").getAttribute("href"), resignedPath);
    assert.equal(await page.getByTestId("add-devices-button").count(), 0);
  });

  test("Apple refuses (the yearly device limit): the panel stops waiting and says why, with Apple's words", async () => {
    const created = await server.cli([
      "user",
      "create",
      "--email",
      "second@example.com",
      "--password",
      "second-password",
    ]);
    assert.equal(created.code, 0, created.stderr);
    const context = await newIPhoneContext(browser);
    try {
      const second = await context.newPage();
      await signIn(second, server.baseUrl, "second@example.com", "second-password");
      await registerThisPhone("00008110-00E2E0A11CE00002", second, devices.newDevice());
      // Apple has no room left for another iPhone (Ferry's own count, from its last listing, still has).
      fake.deviceLimit = fake.devices.filter((d) => d.deviceClass === "IPHONE").length;
      await second.goto(`${server.baseUrl}${buildPath}`);
      await second.getByTestId("add-devices-button").click();
      await second.getByTestId("add-devices-progress").waitFor({ timeout: 15_000 });
      // The app's next regeneration waits for its minute after the first one started.
      const failed = second.getByTestId("add-devices-failed");
      await failed.waitFor({ timeout: 180_000 });
      const words = (await failed.textContent()) ?? "";
      assert.match(words, /^Apple's yearly device limit is reached/);
      assert.match(words, /Apple said: .*maximum number of registered iPhone devices/);
      assert.equal(await failed.getAttribute("role"), "alert");
      assert.equal(await second.getByTestId("add-devices-progress").count(), 0, "no longer waiting");
      assert.ok(!fake.devices.some((d) => d.udid === "00008110-00E2E0A11CE00002"), "nothing registered");
    } finally {
      fake.deviceLimit = 100;
      await context.close();
    }
  });
});
