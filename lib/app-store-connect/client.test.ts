/**
 * Unit tests: the App Store Connect client against the fake server the suite
 * keeps (tests/helpers/fake-app-store-connect.ts). The token verifies with the
 * key's public half and is reused; devices, bundle ids, certificates and
 * profiles round-trip with Apple's shapes; a minted profile is real (CMS,
 * devices, certificate); every refusal becomes its own Ferry error with
 * Apple's detail; a 429 waits for Retry-After (with jitter) and retries.
 */
import assert from "node:assert/strict";
import { createPublicKey, generateKeyPairSync, verify, X509Certificate } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { parseProvisioningProfile } from "@/lib/analysis/profile/parse-profile";
import { appleError, createAppStoreConnectClient } from "@/lib/app-store-connect/client";
import { makeToken, parseP8, TOKEN_LIFETIME_SECONDS, tokenSource } from "@/lib/app-store-connect/token";
import { loadCmsSigner } from "@/lib/devices/cms-sign";
import type { AppError } from "@/lib/errors";
import { type FakeAppStoreConnect, startFakeAppStoreConnect } from "@/tests/helpers/fake-app-store-connect";
import { makeTestPki, TEST_TEAM_ID, type TestPki } from "@/tests/helpers/signing-pki";

let fake: FakeAppStoreConnect;
let pki: TestPki;
let certDer: Buffer;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-asc-"));
const waits: number[] = [];

function client(overrides: Partial<Parameters<typeof createAppStoreConnectClient>[0]> = {}) {
  return createAppStoreConnectClient({
    key: { issuerId: fake.issuerId, keyId: fake.keyId, privateKey: parseP8(fake.p8) },
    baseUrl: fake.url,
    sleep: async (ms) => {
      waits.push(ms);
    },
    random: () => 0.5,
    ...overrides,
  });
}

before(async () => {
  pki = makeTestPki(path.join(tmp, "pki"));
  const signer = loadCmsSigner(
    fs.readFileSync(pki.intermediate, "utf8") + fs.readFileSync(pki.root, "utf8"),
    fs.readFileSync(path.join(pki.dir, "intermediate.key"), "utf8"),
  );
  certDer = Buffer.from(new X509Certificate(fs.readFileSync(pki.rsa.cert)).raw);
  fake = await startFakeAppStoreConnect({ profileSigner: signer, teamId: TEST_TEAM_ID });
});
after(async () => {
  await fake?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("token", () => {
  it("is an ES256 JWT Apple's way, expiring within 20 minutes, reused until near expiry", () => {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const key = { issuerId: "iss-1", keyId: "KID1", privateKey };
    const now = Date.UTC(2026, 0, 1);
    const { token, expiresAt } = makeToken(key, now);
    const [h, p, s] = token.split(".") as [string, string, string];
    assert.deepEqual(JSON.parse(Buffer.from(h, "base64url").toString()), { alg: "ES256", kid: "KID1", typ: "JWT" });
    const claims = JSON.parse(Buffer.from(p, "base64url").toString());
    assert.equal(claims.iss, "iss-1");
    assert.equal(claims.aud, "appstoreconnect-v1");
    assert.ok(claims.exp - claims.iat <= 20 * 60);
    assert.equal(expiresAt, claims.exp * 1000);
    assert.ok(
      verify(
        "sha256",
        Buffer.from(`${h}.${p}`),
        { key: publicKey, dsaEncoding: "ieee-p1363" },
        Buffer.from(s, "base64url"),
      ),
    );
    let clock = now;
    const source = tokenSource(key, () => clock);
    const first = source();
    clock += (TOKEN_LIFETIME_SECONDS - 120) * 1000;
    assert.equal(source(), first, "reused while more than a minute is left");
    clock += 90_000;
    assert.notEqual(source(), first, "renewed near expiry");
  });

  it("refuses a key that is not a P-256 .p8", () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs8", format: "pem" });
    assert.throws(
      () => parseP8(rsa.toString()),
      (e: AppError) => e.code === "asc_key_invalid",
    );
    assert.throws(
      () => parseP8("not a key"),
      (e: AppError) => e.code === "asc_key_invalid",
    );
  });
});

describe("client against the fake App Store Connect", () => {
  it("a wrong key is refused as asc_unauthorized with Apple's detail", async () => {
    const other = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    const c = client({ key: { issuerId: fake.issuerId, keyId: fake.keyId, privateKey: other } });
    await assert.rejects(
      c.listCertificates(),
      (e: AppError) => e.code === "asc_unauthorized" && /signature/.test(e.message),
    );
    assert.ok(createPublicKey(fake.p8));
  });

  it("registers a device, lists it, and maps a duplicate and the yearly limit", async () => {
    const c = client();
    const d = await c.registerDevice({ name: "Ada — iPhone15,2", udid: "00008030-0000000000000A01" });
    assert.equal(d.udid, "00008030-0000000000000A01");
    assert.equal(d.deviceClass, "IPHONE");
    assert.deepEqual(
      (await c.listDevices({ udids: [d.udid] })).map((x) => x.id),
      [d.id],
    );
    await assert.rejects(
      c.registerDevice({ name: "again", udid: d.udid }),
      (e: AppError) => e.code === "asc_refused" && e.status === 422 && /already exists/.test(e.message),
    );
    fake.deviceLimit = 1;
    try {
      await assert.rejects(
        c.registerDevice({ name: "one too many", udid: "00008030-0000000000000A02" }),
        (e: AppError) => e.code === "asc_device_limit" && /maximum number of registered iPhone devices/.test(e.message),
      );
    } finally {
      fake.deviceLimit = 100;
    }
  });

  it("follows links.next across pages", async () => {
    for (let i = 0; i < 5; i++) fake.addDevice(`00008030-00000000000000P${i}`);
    const c = client();
    fake.pageSize = 2;
    const requests = fake.requests.length;
    const all = await c.listDevices().finally(() => {
      fake.pageSize = 200;
    });
    assert.ok(all.length >= 6);
    assert.ok(fake.requests.length - requests >= 3, "several pages");
    assert.equal(new Set(all.map((d) => d.id)).size, all.length);
  });

  it("finds the exact bundle id only, and makes a real profile with the devices and certificate", async () => {
    fake.addBundleId("com.ferry.app");
    fake.addBundleId("com.ferry.app.widget");
    const cert = fake.addCertificate(certDer);
    const c = client();
    assert.equal((await c.findBundleId("com.ferry.app"))?.identifier, "com.ferry.app");
    assert.equal(await c.findBundleId("com.ferry.nope"), null);
    const certs = await c.listCertificates();
    assert.ok(certs.some((x) => x.id === cert.id && x.content.equals(certDer)));
    const bundle = await c.findBundleId("com.ferry.app.widget");
    assert.ok(bundle);
    const devices = await c.listDevices({ udids: ["00008030-0000000000000A01"] });
    const profile = await c.createProfile({
      name: "Ferry com.ferry.app.widget 1",
      profileType: "IOS_APP_ADHOC",
      bundleIdId: bundle.id,
      certificateIds: [cert.id],
      deviceIds: devices.map((d) => d.id),
    });
    const info = parseProvisioningProfile(profile.content);
    assert.equal(info.envelope, "cms");
    assert.equal(info.type, "ad-hoc");
    assert.deepEqual(info.devices, ["00008030-0000000000000A01"]);
    assert.equal(info.applicationIdentifier, `${TEST_TEAM_ID}.com.ferry.app.widget`);
    assert.equal(info.uuid, profile.uuid);
    assert.deepEqual(
      (await c.findProfilesByName(profile.name)).map((p) => p.id),
      [profile.id],
    );
    await c.deleteProfile(profile.id);
    await c.deleteProfile(profile.id); // gone already: not an error
    assert.equal(fake.profiles.length, 0);
    await assert.rejects(
      c.createProfile({
        name: "x",
        profileType: "IOS_APP_ADHOC",
        bundleIdId: "NOPE",
        certificateIds: [cert.id],
        deviceIds: [],
      }),
      (e: AppError) => e.code === "asc_refused" && /bundleIds/.test(e.message),
    );
    await assert.rejects(
      c.createProfile({
        name: "y",
        profileType: "IOS_APP_ADHOC",
        bundleIdId: bundle.id,
        certificateIds: ["NOPE"],
        deviceIds: [],
      }),
      // No source confirms Apple's words for this one: a plain refusal carrying Apple's detail.
      (e: AppError) => e.code === "asc_refused" && /no current certificates/.test(e.message),
    );
  });

  it("tells Apple's refusals apart as Apple words them: the limit and the role share one 403", () => {
    const body = (status: number, code: string, title: string, detail: string) => ({
      errors: [{ status: String(status), code, title, detail }],
    });
    const forbidden = "This request is forbidden for security reasons";
    const limit = appleError(
      403,
      body(
        403,
        "FORBIDDEN_ERROR",
        forbidden,
        "Your development team has reached the maximum number of registered iPad devices.",
      ),
      "register the device X",
    );
    assert.equal(limit.code, "asc_device_limit");
    assert.match(limit.message, /maximum number of registered iPad devices/);
    const role = appleError(
      403,
      body(403, "FORBIDDEN_ERROR", forbidden, "The API key in use does not allow this request"),
      "list certificates",
    );
    assert.equal(role.code, "asc_forbidden");
    assert.match(role.message, /does not allow this request.*Admin or App Manager/);
    const exists = appleError(
      409,
      body(
        409,
        "ENTITY_ERROR",
        "There is a problem with the request entity",
        "A device with number 'X' already exists on this team.",
      ),
      "register the device X",
    );
    assert.equal(exists.code, "asc_refused");
    assert.match(exists.message, /already exists on this team/);
    assert.equal(appleError(502, null, "list devices").code, "asc_unavailable");
  });

  it("a key without the role is asc_forbidden and says which role is needed", async () => {
    fake.role = "DEVELOPER";
    try {
      await assert.rejects(
        client().registerDevice({ name: "x", udid: "00008030-0000000000000A09" }),
        (e: AppError) =>
          e.code === "asc_forbidden" && /Admin or App Manager/.test(e.message) && /does not allow/.test(e.message),
      );
    } finally {
      fake.role = "ADMIN";
    }
  });

  it("429: waits Retry-After plus jitter and retries; gives up as asc_rate_limited", async () => {
    waits.length = 0;
    const before = fake.devices.length;
    fake.throttle("POST", "/v1/devices", 1, 2);
    const d = await client().registerDevice({ name: "throttled", udid: "00008030-0000000000000A03" });
    assert.equal(d.udid, "00008030-0000000000000A03");
    assert.deepEqual(waits, [2 * 1.125 * 1000]);
    assert.equal(fake.devices.length, before + 1, "registered once");
    fake.throttle("GET", "/v1/certificates", 10, 1);
    await assert.rejects(
      client({ retries: 2 }).listCertificates(),
      (e: AppError) => e.code === "asc_rate_limited" && e.status === 503,
    );
  });

  it("refuses an answer larger than the bound and a next link to another host", async () => {
    const huge = new Response("x".repeat(9 * 1024 * 1024), { status: 200 });
    const c = client({ fetch: async () => huge });
    await assert.rejects(
      c.listCertificates(),
      (e: AppError) => e.code === "asc_unavailable" && /more than/.test(e.message),
    );
    const evil = client({
      fetch: async () => Response.json({ data: [], links: { next: "https://evil.example/v1/devices" } }),
    });
    await assert.rejects(evil.listDevices(), (e: AppError) => e.code === "asc_unavailable");
  });
});
