/**
 * Domain tests, real PostgreSQL: signing identities and profiles as admins add
 * them, and the re-sign plan's checks (a profile that does not name the
 * certificate, an app id that does not cover the bundle, an entitlement the
 * profile does not grant), each a specific error that stores nothing.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { CLI_ACTOR, userActor } from "@/lib/access/actor";
import { AppError } from "@/lib/errors";
import { listSigningIdentities, loadIdentityForSigning } from "@/lib/signing/identities/data";
import { addSigningIdentity, deleteSigningIdentity } from "@/lib/signing/identities/mutations";
import { listSigningProfiles } from "@/lib/signing/profiles/data";
import { addSigningProfile, deleteSigningProfile } from "@/lib/signing/profiles/mutations";
import { appIdCovers } from "@/lib/signing/profiles/profile-contents";
import { type ProvisionedBundle, planResign, rewriteEntitlements } from "@/lib/signing/resign/plan";
import type { UserDto } from "@/lib/users/data";
import { createUser } from "@/lib/users/mutations";
import { useDomainDatabase } from "@/tests/helpers/domain-database";
import { exportP12, makeTestPki, TEST_COMMON_NAME, TEST_TEAM_ID, type TestPki } from "@/tests/helpers/signing-pki";
import { testProfile } from "@/tests/helpers/test-profile";

let db: Awaited<ReturnType<typeof useDomainDatabase>>;
let pki: TestPki;
let admin: UserDto;
let uploader: UserDto;
let p12: Buffer;
let certDer: Buffer;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-signing-admin-"));
const context = { ip: null, userAgent: null };
const isCode = (code: string) => (error: unknown) => {
  assert.ok(error instanceof AppError, String(error));
  assert.equal(error.code, code, error.message);
  return true;
};
const PASSWORD = "correct horse";

before(async () => {
  db = await useDomainDatabase();
  pki = makeTestPki(path.join(tmp, "pki"));
  p12 = fs.readFileSync(exportP12(pki, pki.rsa, "rsa", PASSWORD));
  certDer = Buffer.from(new X509Certificate(fs.readFileSync(pki.rsa.cert)).raw);
  admin = await createUser({ email: "admin@example.com", role: "admin" }, CLI_ACTOR);
  uploader = await createUser({ email: "uploader@example.com", role: "uploader" }, CLI_ACTOR);
});
after(async () => {
  await db?.cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const countRows = async (table: string) =>
  Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))[0]?.n ?? 0);

describe("signing identities", () => {
  it("a wrong .p12 password is its own error and stores nothing", async () => {
    await assert.rejects(
      addSigningIdentity({ kind: "p12", file: p12, password: "wrong" }, userActor(admin, context)),
      isCode("signing_identity_wrong_password"),
    );
    assert.equal(await countRows("signing_identities"), 0);
  });

  it("a key that does not match the certificate is refused (PEM), storing nothing", async () => {
    await assert.rejects(
      addSigningIdentity(
        { kind: "pem", certificate: fs.readFileSync(pki.rsa.cert), key: fs.readFileSync(pki.ec.key) },
        userActor(admin, context),
      ),
      isCode("signing_identity_key_mismatch"),
    );
    assert.equal(await countRows("signing_identities"), 0);
  });

  it("only admins add identities", async () => {
    await assert.rejects(
      addSigningIdentity({ kind: "p12", file: p12, password: PASSWORD }, userActor(uploader, context)),
      isCode("forbidden"),
    );
    await assert.rejects(listSigningIdentities(userActor(uploader, context)), isCode("forbidden"));
  });

  it("adds a .p12: the certificate's facts are shown, the key is encrypted at rest and in no audit row", async () => {
    const identity = await addSigningIdentity(
      { kind: "p12", file: p12, password: PASSWORD },
      userActor(admin, context),
    );
    assert.equal(identity.commonName, TEST_COMMON_NAME);
    assert.equal(identity.teamId, TEST_TEAM_ID);
    assert.equal(identity.createdBy, "admin@example.com");
    assert.ok(!("encryptedKey" in identity) && !("privateKey" in identity));
    const [row] = await db.query<{ encrypted_key: Buffer }>(
      "SELECT encrypted_key FROM signing_identities WHERE id = $1",
      [identity.id],
    );
    assert.ok(row);
    const loaded = await loadIdentityForSigning(identity.id);
    const pkcs8 = loaded.privateKey.export({ type: "pkcs8", format: "der" });
    assert.equal(row.encrypted_key.includes(pkcs8.subarray(-64)), false, "the key is not stored in the clear");
    const keyPem = fs.readFileSync(pki.rsa.key, "utf8");
    const keyBody = keyPem.split("\n").slice(1, 4).join("");
    const audit = await db.query<{ details: unknown }>(
      "SELECT details FROM audit_events WHERE action = 'signing_identity.add'",
    );
    assert.equal(audit.length, 1);
    const text = JSON.stringify(audit);
    assert.ok(!text.includes(keyBody) && !text.includes(pkcs8.toString("base64").slice(0, 40)));
    assert.ok(!text.includes(PASSWORD));
    // The same certificate twice is a conflict.
    await assert.rejects(
      addSigningIdentity(
        { kind: "pem", certificate: fs.readFileSync(pki.rsa.cert), key: keyPem },
        userActor(admin, context),
      ),
      isCode("conflict"),
    );
  });

  it("deletes an identity, audited", async () => {
    const ec = await addSigningIdentity(
      { kind: "pem", certificate: fs.readFileSync(pki.ec.cert), key: fs.readFileSync(pki.ec.key) },
      CLI_ACTOR,
    );
    await deleteSigningIdentity({ identityId: ec.id }, userActor(admin, context));
    await assert.rejects(deleteSigningIdentity({ identityId: ec.id }, userActor(admin, context)), isCode("not_found"));
    const rows = await db.query(
      "SELECT 1 FROM audit_events WHERE action = 'signing_identity.delete' AND target_id = $1",
      [ec.id],
    );
    assert.equal(rows.length, 1);
  });
});

describe("provisioning profiles", () => {
  it("something that is not a profile is refused, storing nothing", async () => {
    await assert.rejects(addSigningProfile(Buffer.from("hello"), userActor(admin, context)), isCode("not_a_profile"));
    await assert.rejects(addSigningProfile(p12, userActor(admin, context)), (e) => e instanceof AppError);
    assert.equal(await countRows("signing_profiles"), 0);
  });

  it("adds a profile with its certificates, devices and expiry; deletes it, audited", async () => {
    const data = Buffer.from(
      testProfile({
        bundleId: "com.example.*",
        teamId: TEST_TEAM_ID,
        type: "ad-hoc",
        uuid: "11111111-1111-4111-8111-111111111111",
        name: "Example ad hoc",
        certificates: [certDer],
      }),
    );
    const profile = await addSigningProfile(data, userActor(admin, context));
    assert.equal(profile.appIdPattern, "com.example.*");
    assert.equal(profile.teamId, TEST_TEAM_ID);
    assert.equal(profile.type, "ad-hoc");
    assert.deepEqual(profile.devices, ["00008030-000000000000001E"]);
    assert.equal(profile.certificateFingerprints.length, 1);
    await assert.rejects(addSigningProfile(data, userActor(admin, context)), isCode("conflict"));
    assert.equal((await listSigningProfiles(userActor(admin, context))).length, 1);
    await assert.rejects(
      deleteSigningProfile({ profileId: profile.id }, userActor(uploader, context)),
      isCode("forbidden"),
    );
    await deleteSigningProfile({ profileId: profile.id }, userActor(admin, context));
    assert.equal(await countRows("signing_profiles"), 0);
    const actions = await db.query<{ action: string }>(
      "SELECT action FROM audit_events WHERE target_id = $1 ORDER BY id",
      [profile.id],
    );
    assert.deepEqual(
      actions.map((a) => a.action),
      ["signing_profile.add", "signing_profile.delete"],
    );
  });

  it("a CMS-signed profile is read through its envelope: one naming the test certificate", async () => {
    const plistFile = path.join(tmp, "signed.plist");
    fs.writeFileSync(
      plistFile,
      testProfile({
        bundleId: "com.example.*",
        teamId: TEST_TEAM_ID,
        certificates: [certDer],
        uuid: "22222222-2222-4222-8222-222222222222",
      }),
    );
    const signed = execFileSync("openssl", [
      "cms",
      "-sign",
      "-binary",
      "-nodetach",
      "-outform",
      "DER",
      "-in",
      plistFile,
      "-signer",
      pki.rsa.cert,
      "-inkey",
      pki.rsa.key,
    ]);
    const profile = await addSigningProfile(signed, userActor(admin, context));
    assert.equal(profile.certificateFingerprints.length, 1, "DeveloperCertificates read through the CMS envelope");
    await deleteSigningProfile({ profileId: profile.id }, CLI_ACTOR);
  });
});

describe("the re-sign plan", () => {
  const identity = { commonName: TEST_COMMON_NAME, teamId: TEST_TEAM_ID, fingerprint: "", notAfter: "2099-01-01" };
  const app: ProvisionedBundle = {
    dir: "",
    bundleId: "com.example.app",
    entitlements: {
      "application-identifier": "OLDTEAM123.com.example.app",
      "com.apple.developer.team-identifier": "OLDTEAM123",
      "get-task-allow": true,
      "keychain-access-groups": ["OLDTEAM123.com.example.app", "OLDTEAM123.shared"],
      "com.apple.security.application-groups": ["group.com.example"],
    },
  };
  const profileFor = (overrides: Record<string, unknown> = {}) => ({
    id: "p",
    name: "Example",
    uuid: "u",
    teamId: TEST_TEAM_ID,
    appIdPattern: "com.example.*",
    notAfter: "2099-01-01T00:00:00.000Z",
    certificateFingerprints: ["AB"],
    entitlements: {
      "application-identifier": `${TEST_TEAM_ID}.com.example.*`,
      "get-task-allow": false,
      "keychain-access-groups": [`${TEST_TEAM_ID}.*`],
      "com.apple.security.application-groups": ["group.com.example"],
    },
    ...overrides,
  });
  const fit = { ...identity, fingerprint: "AB" };

  it("app ids: exact, prefix wildcard, everything", () => {
    assert.ok(appIdCovers("com.example.app", "com.example.app"));
    assert.ok(appIdCovers("com.example.*", "com.example.app.widget"));
    assert.ok(appIdCovers("*", "org.other"));
    assert.ok(!appIdCovers("com.example.*", "com.examples.app"));
    assert.ok(!appIdCovers("com.example.app", "com.example.app.widget"));
  });

  it("a profile not naming the identity's certificate is refused", () => {
    assert.throws(
      () =>
        planResign({
          bundles: [app],
          identity: { ...identity, fingerprint: "CD" },
          defaultProfile: profileFor(),
          profilesByBundleId: new Map(),
        }),
      isCode("signing_profile_certificate_mismatch"),
    );
  });

  it("a profile whose app id does not cover a bundle is refused, naming it", () => {
    assert.throws(
      () =>
        planResign({
          bundles: [app],
          identity: fit,
          defaultProfile: profileFor({ appIdPattern: "com.other.app" }),
          profilesByBundleId: new Map(),
        }),
      (error) =>
        isCode("signing_profile_app_id_mismatch")(error) && (error as Error).message.includes("com.example.app"),
    );
  });

  it("expired profiles and certificates are refused", () => {
    assert.throws(
      () =>
        planResign({
          bundles: [app],
          identity: fit,
          defaultProfile: profileFor({ notAfter: "2020-01-01T00:00:00.000Z" }),
          profilesByBundleId: new Map(),
        }),
      isCode("signing_profile_expired"),
    );
    assert.throws(
      () =>
        planResign({
          bundles: [app],
          identity: { ...fit, notAfter: "2020-01-01" },
          defaultProfile: profileFor(),
          profilesByBundleId: new Map(),
        }),
      isCode("signing_identity_expired"),
    );
  });

  it("entitlements the profile does not grant are named before anything is written", () => {
    const withPush = {
      ...app,
      entitlements: {
        ...app.entitlements,
        "aps-environment": "production",
        "com.apple.developer.icloud-services": ["CloudKit"],
      },
    };
    assert.throws(
      () => rewriteEntitlements(withPush, profileFor(), TEST_TEAM_ID),
      (error) =>
        isCode("signing_profile_missing_entitlement")(error) &&
        /aps-environment/.test((error as Error).message) &&
        /icloud-services/.test((error as Error).message),
    );
  });

  it("entitlements are the app's own, moved to the new team, with get-task-allow and aps-environment per the profile", () => {
    const withPush = { ...app, entitlements: { ...app.entitlements, "aps-environment": "development" } };
    const { entitlements, changes } = rewriteEntitlements(
      withPush,
      profileFor({ entitlements: { ...profileFor().entitlements, "aps-environment": "production" } }),
      TEST_TEAM_ID,
    );
    assert.equal(entitlements["application-identifier"], `${TEST_TEAM_ID}.com.example.app`);
    assert.equal(entitlements["com.apple.developer.team-identifier"], TEST_TEAM_ID);
    assert.deepEqual(entitlements["keychain-access-groups"], [
      `${TEST_TEAM_ID}.com.example.app`,
      `${TEST_TEAM_ID}.shared`,
    ]);
    assert.equal(entitlements["get-task-allow"], false);
    assert.equal(entitlements["aps-environment"], "production");
    assert.deepEqual(entitlements["com.apple.security.application-groups"], ["group.com.example"]);
    assert.deepEqual(
      changes.map((c) => c.key),
      [
        "application-identifier",
        "aps-environment",
        "com.apple.developer.team-identifier",
        "get-task-allow",
        "keychain-access-groups",
      ],
    );
  });

  it("an extension without a profile of its own that the app's does not cover is refused; a per-bundle one fixes it", () => {
    const ext: ProvisionedBundle = { dir: "PlugIns/W.appex/", bundleId: "org.other.widget", entitlements: null };
    const appOnly = profileFor({ appIdPattern: "com.example.app" });
    assert.throws(
      () => planResign({ bundles: [app, ext], identity: fit, defaultProfile: appOnly, profilesByBundleId: new Map() }),
      isCode("signing_profile_app_id_mismatch"),
    );
    const plan = planResign({
      bundles: [app, ext],
      identity: fit,
      defaultProfile: appOnly,
      profilesByBundleId: new Map([["org.other.widget", profileFor({ id: "w", appIdPattern: "org.other.widget" })]]),
    });
    assert.deepEqual(
      plan.map((b) => [b.dir, b.profileId]),
      [
        ["", "p"],
        ["PlugIns/W.appex/", "w"],
      ],
    );
    assert.match(plan[1]?.entitlementsXml.toString("utf8") ?? "", /FERRYTEST1\.org\.other\.widget/);
  });
});
