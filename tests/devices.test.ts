/**
 * Device registration over real HTTP (issue 9): the enrollment profile (signed
 * with a test CA made by openssl), a simulated iPhone posting signed attribute
 * plists as iOS does (its identity under a test root the server is given as
 * CODESIGN_EXTRA_ROOTS), the 301 and device cookie, per-build coverage in the
 * API against the real ad hoc profile, exports, import, and who may use each
 * route. Issue 20: forged posts, device takeover, control characters, formula
 * injection in exports, unbounded enrollment rows.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import * as plist from "plist";
import { makeEnvelope, makeSigner } from "@/lib/analysis/profile/cms-test-helpers";
import { parseProvisioningProfile } from "@/lib/analysis/profile/parse-profile";
import { MAX_LIVE_ENROLLMENTS_PER_USER } from "@/lib/devices/enrollment";
import { DEVICE_IMPORT_FORM_MAX_BYTES } from "@/lib/http/body-limits";
import { issue, makeRoot, signerOf, signPost, testDeviceIdentityCa } from "./helpers/device-identity";
import { createToken, createUser, type FerryServer, startFerry } from "./helpers/ferry-server";
import { generateIpa } from "./helpers/generate-ipa";
import { postPlainForm } from "./helpers/server-actions";
import { passwordSession } from "./helpers/session";
import { queryDatabase } from "./helpers/test-database";
import { testProfile } from "./helpers/test-profile";

const APPLE_HEADER = "Device ID\tDevice Name\tDevice Platform\n";
const OTHER_UDID = "00008030-00AA11BB22CC33DD";

let server: FerryServer;
let scratch: string;
let caPem: string;
let memberCookie: string;
let adminCookie: string;
let outsiderCookie: string;
let memberToken: string;
let adminToken: string;
let buildId: string;
let listedUdid: string;
/** A self-signed key: its signatures hold, but it is nobody's iPhone. */
const selfSigned = makeSigner("rsa");
const pki = testDeviceIdentityCa();
/** The simulated iPhone's identity, under the test root the server trusts. */
const iphone = pki.newDevice();

function openssl(args: string[]): void {
  execFileSync("openssl", args, { stdio: "pipe" });
}

async function db<T extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
  return queryDatabase<T>(server.databaseUrl, sql, params);
}

async function deviceCount(): Promise<number> {
  return (await db<{ n: number }>("SELECT count(*)::int AS n FROM devices"))[0]?.n ?? -1;
}

/** Downloads an enrollment profile as `cookie` and returns its challenge (verifying the CMS signature with openssl). */
async function enroll(cookie: string): Promise<{ challenge: string; url: string; profile: Record<string, unknown> }> {
  const res = await fetch(`${server.baseUrl}/devices/enroll`, { headers: { cookie } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "application/x-apple-aspen-config");
  const file = path.join(scratch, `profile-${Date.now()}-${Math.random()}.mobileconfig`);
  fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  const out = `${file}.plist`;
  openssl(["cms", "-verify", "-inform", "DER", "-in", file, "-CAfile", path.join(scratch, "ca.pem"), "-out", out]);
  const profile = plist.parse(fs.readFileSync(out, "utf8")) as Record<string, unknown>;
  const content = profile.PayloadContent as { URL: string; Challenge: string; DeviceAttributes: string[] };
  return { challenge: content.Challenge, url: content.URL, profile };
}

function answerXml(challenge: string, udid: string, name = "Test iPhone"): Buffer {
  return Buffer.from(
    plist.build({ UDID: udid, CHALLENGE: challenge, PRODUCT: "iPhone15,2", VERSION: "21F90", DEVICE_NAME: name }),
  );
}

function answer(challenge: string, udid: string, options: { tamper?: boolean; name?: string } = {}): Buffer {
  const xml = answerXml(challenge, udid, options.name);
  if (!options.tamper) return signPost(xml, iphone);
  const forged = Buffer.from(plist.build({ UDID: OTHER_UDID, CHALLENGE: challenge }));
  return makeEnvelope(xml, selfSigned, { sid: "issuerSerial", replaceContent: forged });
}

async function post(url: string, body: Buffer): Promise<Response> {
  // As iOS does: no cookies, a signed body.
  return fetch(url, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/pkcs7-signature" },
    body: new Uint8Array(body),
  });
}

async function errorCode(res: Response): Promise<string> {
  return ((await res.json()) as { error: { code: string } }).error.code;
}

before(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-devices-"));
  const p = (name: string) => path.join(scratch, name);
  openssl([
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    p("ca.key"),
    "-out",
    p("ca.pem"),
    "-days",
    "2",
    "-subj",
    "/CN=Ferry Test CA",
  ]);
  openssl([
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    p("leaf.key"),
    "-out",
    p("leaf.csr"),
    "-subj",
    "/CN=ferry.test profile signer",
  ]);
  openssl([
    "x509",
    "-req",
    "-in",
    p("leaf.csr"),
    "-CA",
    p("ca.pem"),
    "-CAkey",
    p("ca.key"),
    "-CAcreateserial",
    "-out",
    p("leaf.pem"),
    "-days",
    "2",
  ]);
  caPem = fs.readFileSync(p("ca.pem"), "utf8");
  server = await startFerry({
    env: {
      // Certificate and chain as PEM text, the key as a file path: both forms are accepted.
      MOBILECONFIG_SIGNING_CERT: fs.readFileSync(p("leaf.pem"), "utf8") + caPem,
      MOBILECONFIG_SIGNING_KEY: p("leaf.key"),
      // The test root stands in for Apple's (as a file path; PEM text works too).
      CODESIGN_EXTRA_ROOTS: pki.root.certPath,
    },
  });
  await createUser(server, {
    email: "member@example.com",
    password: "member-password",
    role: "member",
  });
  await createUser(server, { email: "outsider@example.com", password: "outsider-password", role: "member" });
  memberCookie = (await passwordSession(server.baseUrl, "member@example.com", "member-password"))!;
  outsiderCookie = (await passwordSession(server.baseUrl, "outsider@example.com", "outsider-password"))!;
  adminCookie = (await passwordSession(server.baseUrl, server.admin.email, server.admin.password))!;
  assert.ok(memberCookie && adminCookie);
  memberToken = await createToken(server, "member@example.com", ["--scopes", "read"]);
  adminToken = await createToken(server, server.admin.email, ["--scopes", "upload,read"]);

  // An ad hoc build: a generated app carrying an ad hoc profile that lists one device.
  const profileBytes = Buffer.from(testProfile({ bundleId: "com.example.ferry.devices", type: "ad-hoc" }));
  listedUdid = parseProvisioningProfile(profileBytes, new Date("2020-01-01T00:00:00Z")).devices[0]!;
  const ipa = path.join(scratch, "adhoc.ipa");
  await generateIpa(ipa, {
    bundleId: "com.example.ferry.devices",
    version: "1.0",
    buildNumber: "1",
    name: "DeviceApp",
    padBytes: 1000,
    extraFiles: [{ path: "Payload/DeviceApp.app/embedded.mobileprovision", data: profileBytes }],
  });
  const up = await fetch(`${server.baseUrl}/api/v1/builds`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/octet-stream" },
    body: new Uint8Array(fs.readFileSync(ipa)),
  });
  const json = (await up.json()) as { build: { id: string } };
  assert.equal(up.status, 201, JSON.stringify(json));
  buildId = json.build.id;
  await db("UPDATE apps SET visibility = 'everyone'");
});

after(async () => {
  await server?.stop();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

describe("enrollment profile", () => {
  it("is a signed Profile Service payload pointing at PUBLIC_URL, with a fresh challenge each time", async () => {
    const a = await enroll(memberCookie);
    const b = await enroll(memberCookie);
    assert.equal(a.profile.PayloadType, "Profile Service");
    assert.equal(a.url, `${server.baseUrl}/api/v1/devices/profile-service`);
    const content = a.profile.PayloadContent as { DeviceAttributes: string[] };
    assert.deepEqual(content.DeviceAttributes, ["UDID", "PRODUCT", "VERSION", "SERIAL", "DEVICE_NAME", "IMEI"]);
    assert.ok(a.challenge.length >= 32);
    assert.notEqual(a.challenge, b.challenge);
    assert.equal((await db("SELECT 1 FROM device_enrollments WHERE used_at IS NULL")).length >= 2, true);
  });

  it("needs a session: signed out you are sent to sign in, no challenge issued", async () => {
    const before = (await db("SELECT 1 FROM device_enrollments")).length;
    const res = await fetch(`${server.baseUrl}/devices/enroll`, { redirect: "manual" });
    assert.equal(res.status, 303);
    assert.match(res.headers.get("location") ?? "", /\/sign-in\?callbackUrl=/);
    assert.equal((await db("SELECT 1 FROM device_enrollments")).length, before);
  });
});

describe("profile service POST", () => {
  it("refuses unsigned, tampered, malformed, oversized and foreign-challenge posts, storing nothing", async () => {
    const { challenge, url } = await enroll(memberCookie);
    const before = await deviceCount();
    const unsigned = Buffer.from(plist.build({ UDID: listedUdid, CHALLENGE: challenge }));
    let res = await post(url, unsigned);
    assert.equal(res.status, 400);
    assert.equal(await errorCode(res), "unsigned_device_response");
    res = await post(url, answer(challenge, listedUdid, { tamper: true }));
    assert.equal(res.status, 400);
    assert.equal(await errorCode(res), "device_signature_invalid");
    res = await post(url, Buffer.from([0x30, 0x82, 0xff, 0xff, 1, 2]));
    assert.equal(res.status, 400);
    assert.equal(await errorCode(res), "malformed_device_response");
    res = await post(url, Buffer.alloc(200_000, 0x30));
    assert.equal(res.status, 413);
    res = await post(url, answer("a-challenge-this-server-never-issued", listedUdid));
    assert.equal(res.status, 403);
    assert.equal(await errorCode(res), "enrollment_challenge_invalid");
    assert.equal(await deviceCount(), before);
  });

  it("a signed post registers the device, answers 301 to the page that sets the device cookie; a replay is refused", async () => {
    const { challenge, url } = await enroll(memberCookie);
    const res = await post(url, answer(challenge, listedUdid));
    assert.equal(res.status, 301);
    const location = res.headers.get("location") ?? "";
    assert.ok(location.startsWith(`${server.baseUrl}/devices/this-device?d=`), location);
    const rows = await db<{ udid: string; email: string; model: string; os_version: string; name: string }>(
      "SELECT d.udid, u.email, d.model, d.os_version, d.name FROM devices d JOIN users u ON u.id = d.user_id",
    );
    assert.deepEqual(rows, [
      { udid: listedUdid, email: "member@example.com", model: "iPhone15,2", os_version: "21F90", name: "Test iPhone" },
    ]);
    assert.equal((await db("SELECT 1 FROM audit_events WHERE action = 'device.register'")).length, 1);

    const replay = await post(url, answer(challenge, OTHER_UDID));
    assert.equal(replay.status, 409);
    assert.equal(await errorCode(replay), "enrollment_challenge_used");
    assert.equal(await deviceCount(), 1);

    const landing = await fetch(location, { redirect: "manual", headers: { cookie: memberCookie } });
    assert.equal(landing.status, 303);
    assert.match(landing.headers.get("location") ?? "", /\/devices\?registered=/);
    const cookie = landing.headers.getSetCookie().find((c) => c.startsWith("ferry-device="));
    assert.ok(cookie, "device cookie set");
    assert.match(cookie, /HttpOnly/);
    const page = await fetch(landing.headers.get("location")!, {
      headers: { cookie: `${memberCookie}; ${cookie.split(";")[0]}` },
    });
    const html = await page.text();
    assert.match(html, /data-testid="device-registered"/);
    assert.ok(html.includes(listedUdid));
  });
});

describe("coverage and exports", () => {
  before(async () => {
    // A second device of the admin, not in the profile.
    const { challenge, url } = await enroll(adminCookie);
    assert.equal((await post(url, answer(challenge, OTHER_UDID))).status, 301);
  });

  it("GET /api/v1/builds/{id}: members see their own devices, admins all active ones", async () => {
    type Coverage = { included: { udid: string; owner: string }[]; missing: { udid: string; owner: string }[] };
    const asMember = await fetch(`${server.baseUrl}/api/v1/builds/${buildId}`, {
      headers: { authorization: `Bearer ${memberToken}` },
    });
    assert.equal(asMember.status, 200);
    const m = ((await asMember.json()) as { build: { id: string; deviceCoverage: Coverage } }).build;
    assert.equal(m.id, buildId);
    assert.deepEqual(
      m.deviceCoverage.included.map((d) => [d.udid, d.owner]),
      [[listedUdid, "member@example.com"]],
    );
    assert.deepEqual(m.deviceCoverage.missing, []);
    const asAdmin = await fetch(`${server.baseUrl}/api/v1/builds/${buildId}`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    const a = ((await asAdmin.json()) as { build: { deviceCoverage: Coverage } }).build;
    assert.deepEqual(
      a.deviceCoverage.included.map((d) => d.udid),
      [listedUdid],
    );
    assert.deepEqual(
      a.deviceCoverage.missing.map((d) => [d.udid, d.owner]),
      [[OTHER_UDID, "admin@example.com"]],
    );
    const signedOut = await fetch(`${server.baseUrl}/api/v1/builds/${buildId}`);
    assert.equal(signedOut.status, 401);
    const unknown = await fetch(`${server.baseUrl}/api/v1/builds/00000000-0000-4000-8000-000000000000`, {
      headers: { authorization: `Bearer ${memberToken}` },
    });
    assert.equal(unknown.status, 404);
  });

  it("export: Apple's format byte-exact, CSV, only the missing ones with buildId; admins only", async () => {
    const apple = await fetch(`${server.baseUrl}/api/v1/devices/export?format=apple`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    assert.equal(apple.status, 200);
    const text = await apple.text();
    assert.ok(text.startsWith(APPLE_HEADER), JSON.stringify(text.slice(0, 60)));
    assert.ok(text.includes(`${listedUdid}\tTest iPhone\tios\n`));
    const missing = await fetch(`${server.baseUrl}/api/v1/devices/export?format=apple&buildId=${buildId}`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    assert.equal(await missing.text(), `${APPLE_HEADER}${OTHER_UDID}\tTest iPhone\tios\n`);
    const csv = await fetch(`${server.baseUrl}/api/v1/devices/export?format=csv`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    assert.match(csv.headers.get("content-type") ?? "", /^text\/csv/);
    const lines = (await csv.text()).trim().split("\r\n");
    assert.equal(lines[0], "udid,name,model,ios_version,owner,registered_at");
    assert.equal(lines.length, 3);
    assert.ok(
      lines.some((l) => l.startsWith(`"${listedUdid}","Test iPhone","iPhone15,2","21F90","member@example.com",`)),
    );
    const asMember = await fetch(`${server.baseUrl}/api/v1/devices/export?format=apple`, {
      headers: { authorization: `Bearer ${memberToken}` },
    });
    assert.equal(asMember.status, 403);
    assert.equal((await fetch(`${server.baseUrl}/api/v1/devices/export`)).status, 401);
  });

  it("import: admins post Apple's format; members and cross-site session posts are refused", async () => {
    const list = `${APPLE_HEADER}1234567890abcdef1234567890abcdef12345678\tLab iPad\tios\n`;
    const refused = await fetch(`${server.baseUrl}/api/v1/devices/import`, {
      method: "POST",
      headers: { authorization: `Bearer ${memberToken}`, "content-type": "text/plain" },
      body: list,
    });
    assert.equal(refused.status, 403);
    const crossSite = await fetch(`${server.baseUrl}/api/v1/devices/import`, {
      method: "POST",
      headers: { cookie: adminCookie, origin: "https://evil.example", "content-type": "text/plain" },
      body: list,
    });
    assert.equal(crossSite.status, 403);
    const before = await deviceCount();
    const bad = await fetch(`${server.baseUrl}/api/v1/devices/import`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "text/plain" },
      body: `${list}zzz\tBroken\tios\n`,
    });
    assert.equal(bad.status, 400);
    assert.equal(await deviceCount(), before);
    const ok = await fetch(`${server.baseUrl}/api/v1/devices/import`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "text/plain" },
      body: list,
    });
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { added: 1, existing: 0 });
    assert.equal(await deviceCount(), before + 1);
  });

  it("pages: /devices needs sign-in, /admin/devices is admin-only", async () => {
    const signedOut = await fetch(`${server.baseUrl}/devices`, { redirect: "manual" });
    assert.ok([303, 307, 302].includes(signedOut.status), String(signedOut.status));
    assert.equal((await fetch(`${server.baseUrl}/admin/devices`, { headers: { cookie: memberCookie } })).status, 404);
    const adminPage = await fetch(`${server.baseUrl}/admin/devices`, { headers: { cookie: adminCookie } });
    assert.equal(adminPage.status, 200);
    assert.ok((await adminPage.text()).includes(OTHER_UDID));
  });
});

describe("the admin page's import form (a plain post)", () => {
  it("takes a 9,000-device list pasted whole (far past other forms' 64 KiB); a post past its limit is refused with 413, storing nothing", async () => {
    const udid = (n: number) => `00008030-${n.toString(16).toUpperCase().padStart(16, "0")}`;
    const lines = Array.from({ length: 9_000 }, (_, n) => `${udid(0xf0000 + n)}\tImported phone ${n}\tios`);
    const list = `${APPLE_HEADER}${lines.join("\n")}\n`;
    const count = async () =>
      Number((await queryDatabase<{ n: number }>(server.databaseUrl, "SELECT count(*)::int AS n FROM devices"))[0]?.n);
    const before = await count();
    const tooLarge = await postPlainForm(server.baseUrl, {
      path: "/admin/devices",
      fields: [
        ["_action", "import-devices"],
        ["list", list + "\t".repeat(DEVICE_IMPORT_FORM_MAX_BYTES / 3)],
      ],
      cookie: adminCookie,
    });
    assert.equal(tooLarge.status, 413);
    assert.equal(await count(), before, "nothing stored");
    const imported = await postPlainForm(server.baseUrl, {
      path: "/admin/devices",
      fields: [
        ["_action", "import-devices"],
        ["list", list],
      ],
      cookie: adminCookie,
    });
    assert.equal(imported.status, 303, imported.html.slice(0, 300));
    assert.equal(await count(), before + 9_000);
    await queryDatabase(server.databaseUrl, "DELETE FROM devices WHERE name LIKE 'Imported phone %'");
  });
});

describe("issue 20: nothing lets a stranger in", () => {
  async function exportText(format: "apple" | "csv"): Promise<string> {
    const res = await fetch(`${server.baseUrl}/api/v1/devices/export?format=${format}`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    assert.equal(res.status, 200);
    return res.text();
  }
  async function ownerOf(udid: string): Promise<string | null> {
    const [row] = await db<{ email: string }>(
      "SELECT u.email FROM devices d JOIN users u ON u.id = d.user_id WHERE d.udid = $1",
      [udid],
    );
    return row?.email ?? null;
  }

  it("a forged post (self-signed, or under a root not configured) moves no device and adds none", async () => {
    assert.equal(await ownerOf(listedUdid), "member@example.com");
    const before = await db("SELECT id, udid, user_id, name FROM devices ORDER BY id");
    const madeUp = "00008030-0000000000BADBAD";
    const { challenge, url } = await enroll(outsiderCookie);
    for (const udid of [listedUdid, madeUp]) {
      const res = await post(
        url,
        makeEnvelope(answerXml(challenge, udid, "pwned"), selfSigned, { sid: "issuerSerial" }),
      );
      assert.equal(res.status, 403);
      assert.equal(await errorCode(res), "device_certificate_untrusted");
    }
    // The same shape as a real chain, under a root the server was not given.
    const strangerRoot = makeRoot(pki.dir, "Ferry Test Device Root");
    const strangerCa = issue(pki.dir, strangerRoot, "/O=Apple Inc./CN=Apple iPhone Device CA", true);
    const stranger = signerOf(issue(pki.dir, strangerCa, "/CN=stranger", false));
    const res = await post(url, signPost(answerXml(challenge, listedUdid, "pwned"), stranger));
    assert.equal(res.status, 403);
    assert.equal(await errorCode(res), "device_certificate_untrusted");
    assert.deepEqual(await db("SELECT id, udid, user_id, name FROM devices ORDER BY id"), before);
    assert.equal(await ownerOf(listedUdid), "member@example.com");
    assert.ok(!(await exportText("apple")).includes(madeUp));
  });

  it("a genuine device post naming someone else's UDID is refused (409) and audited; the owner re-registers", async () => {
    const { challenge, url } = await enroll(outsiderCookie);
    const res = await post(url, answer(challenge, listedUdid, { name: "pwned" }));
    assert.equal(res.status, 409);
    assert.equal(await errorCode(res), "device_owned_by_another_user");
    assert.equal(await ownerOf(listedUdid), "member@example.com");
    const audit = await db<{ actor_email: string }>(
      "SELECT actor_email FROM audit_events WHERE action = 'device.register_refused'",
    );
    assert.deepEqual(audit, [{ actor_email: "outsider@example.com" }]);
    // Still on its owner's list.
    const page = await (await fetch(`${server.baseUrl}/devices`, { headers: { cookie: memberCookie } })).text();
    assert.ok(page.includes(listedUdid));
    const mine = await enroll(memberCookie);
    assert.equal((await post(mine.url, answer(mine.challenge, listedUdid))).status, 301);
    assert.equal(await ownerOf(listedUdid), "member@example.com");
  });

  it("control characters in a device name are stripped (NUL gave a 500)", async () => {
    const udid = "00008030-000000000000C0DE";
    const { challenge, url } = await enroll(memberCookie);
    const xml = answerXml(challenge, udid, "Jane[NUL]'s[BEL] iPhone")
      .toString("utf8")
      .replace("[NUL]", "&#0;")
      .replace("[BEL]", "&#7;");
    const res = await post(url, signPost(xml, iphone));
    assert.equal(res.status, 301);
    const [row] = await db<{ name: string }>("SELECT name FROM devices WHERE udid = $1", [udid]);
    assert.equal(row?.name, "Jane's iPhone");
  });

  it("both exports defuse names a spreadsheet would run as formulas, fullwidth ＝ too", async () => {
    const hostile = new Map([
      ["00008030-0000000000000F01", '=HYPERLINK("https://evil.example","x")'],
      ["00008030-0000000000000F02", "\uFF1D1+1"],
      ["00008030-0000000000000F03", "+1+cmd|'/c calc'!A0"],
      ["00008030-0000000000000F04", "@SUM(A1)"],
    ]);
    for (const [udid, name] of hostile) {
      const { challenge, url } = await enroll(memberCookie);
      assert.equal((await post(url, answer(challenge, udid, { name }))).status, 301);
    }
    const apple = await exportText("apple");
    const csv = await exportText("csv");
    for (const [udid, name] of hostile) {
      const line = apple.split("\n").find((l) => l.startsWith(`${udid}\t`));
      assert.equal(line, `${udid}\t'${name}\tios`);
      const row = csv.split("\r\n").find((l) => l.startsWith(`"${udid}",`));
      assert.ok(row?.startsWith(`"${udid}","'${name.replaceAll('"', '""')}",`), row);
    }
  });

  it(`GET /devices/enroll keeps at most ${MAX_LIVE_ENROLLMENTS_PER_USER} live challenges per user; older profiles stop working`, async () => {
    const first = await enroll(outsiderCookie);
    for (let i = 0; i < MAX_LIVE_ENROLLMENTS_PER_USER + 10; i++) {
      const res = await fetch(`${server.baseUrl}/devices/enroll`, { headers: { cookie: outsiderCookie } });
      assert.equal(res.status, 200);
      await res.arrayBuffer();
    }
    const [live] = await db<{ n: number }>(
      `SELECT count(*)::int AS n FROM device_enrollments e JOIN users u ON u.id = e.user_id
       WHERE u.email = 'outsider@example.com' AND e.used_at IS NULL`,
    );
    assert.equal(live?.n, MAX_LIVE_ENROLLMENTS_PER_USER);
    const res = await post(first.url, answer(first.challenge, "00008030-0000000000000E01"));
    assert.equal(res.status, 403);
    assert.equal(await errorCode(res), "enrollment_challenge_invalid");
  });
});
