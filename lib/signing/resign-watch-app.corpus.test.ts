/**
 * Issue 16: re-signing an app that carries a Watch app. No fixture has one, so
 * one is built here from a real signed build (app_info--embedded.ipa: an app
 * with a Notification extension): `Watch/DemoWatch.app/` with its own
 * Info.plist (WKWatchKitApp), a real signed Mach-O copied in as its
 * executable, a profile and a (now stale) seal, and one level deeper the
 * legacy WatchKit extension `PlugIns/DemoWatchExtension.appex/`. It goes
 * through the job's own steps (readProvisionedBundles → planResign →
 * resignIpa) with a profile per bundle, then Ferry's verifier: every bundle
 * verifies, each is sealed by the bundle holding it, each carries its own
 * profile and entitlements rewritten for the new team.
 */
import assert from "node:assert/strict";
import { createHash, X509Certificate } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import JSZip from "jszip";
import { build as buildPlist } from "plist";
import { isPlistDict } from "@/lib/analysis/ipa/plist-dict";
import { withZip } from "@/lib/analysis/ipa/zip-reader";
import { parseProvisioningProfile } from "@/lib/analysis/profile/parse-profile";
import { createCodeDirectorySigner } from "@/lib/signing/cms-signer";
import { certificateFingerprint } from "@/lib/signing/identities/data";
import { profileCertificateFingerprints } from "@/lib/signing/profiles/profile-contents";
import type { ProfileForFit } from "@/lib/signing/resign/fit";
import { planBundles, planResign, readProvisionedBundles } from "@/lib/signing/resign/plan";
import { resignIpa } from "@/lib/signing/resign-ipa";
import { parsePkcs12Identity, type SigningIdentity } from "@/lib/signing/signing-identity";
import { parseCodeResources } from "@/lib/verify/code-resources";
import { fingerprintOf, type TrustAnchor } from "@/lib/verify/trust-roots";
import { verifyCodeSignature } from "@/lib/verify/verify-code-signature";
import { fixturePath } from "@/tests/helpers/fixtures";
import { exportP12, makeTestPki, TEST_COMMON_NAME, TEST_TEAM_ID } from "@/tests/helpers/signing-pki";
import { testProfile } from "@/tests/helpers/test-profile";

const APP = "Payload/Demo.app/";
const WATCH = "Watch/DemoWatch.app/";
const WATCH_EXT = `${WATCH}PlugIns/DemoWatchExtension.appex/`;
const NOTIFICATION = "PlugIns/Notification.appex/";
const APP_ID = "com.icyleaf.test.Demo";
/** Bundle folder (relative to the app) → its bundle id. */
const BUNDLES: Record<string, string> = {
  "": APP_ID,
  [NOTIFICATION]: `${APP_ID}.Notification`,
  [WATCH]: `${APP_ID}.watchkitapp`,
  [WATCH_EXT]: `${APP_ID}.watchkitapp.watchkitextension`,
};

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-resign-watch-"));
const input = path.join(tmp, "watch.ipa");
const output = path.join(tmp, "watch-resigned.ipa");
let identity: SigningIdentity;
let anchors: TrustAnchor[];
/** Each bundle's profile (exact app id, its own UUID), by folder. */
const profiles = new Map<string, { data: Buffer; forFit: ProfileForFit }>();

/** The fixture with a Watch app (and its WatchKit extension) added; nothing in it is signed for them. */
async function buildWatchIpa(): Promise<void> {
  const zip = await JSZip.loadAsync(fs.readFileSync(fixturePath("ipa", "app_info--embedded.ipa")));
  const bytes = async (name: string) => {
    const entry = zip.file(APP + name);
    assert.ok(entry, `${name} is in the fixture`);
    return Buffer.from(await entry.async("nodebuffer"));
  };
  const add = (name: string, data: Buffer | string, executable = false) =>
    zip.file(APP + name, data, { unixPermissions: executable ? 0o100755 : 0o100644 });
  const info = (extra: Record<string, unknown>) =>
    buildPlist({ CFBundleVersion: "1", CFBundleShortVersionString: "1.0", MinimumOSVersion: "6.0", ...extra } as never);

  add(
    `${WATCH}Info.plist`,
    info({
      CFBundleIdentifier: BUNDLES[WATCH],
      CFBundleExecutable: "DemoWatch",
      CFBundleName: "DemoWatch",
      CFBundlePackageType: "APPL",
      UIDeviceFamily: [4],
      WKWatchKitApp: true,
      WKCompanionAppBundleIdentifier: APP_ID,
    }),
  );
  // Real signed Mach-O files, still signed for the old team and the old bundle.
  add(`${WATCH}DemoWatch`, await bytes("Demo"), true);
  add(`${WATCH}embedded.mobileprovision`, await bytes("embedded.mobileprovision"));
  add(`${WATCH}_CodeSignature/CodeResources`, await bytes("_CodeSignature/CodeResources"));
  add(
    `${WATCH_EXT}Info.plist`,
    info({
      CFBundleIdentifier: BUNDLES[WATCH_EXT],
      CFBundleExecutable: "DemoWatchExtension",
      CFBundleName: "DemoWatchExtension",
      CFBundlePackageType: "XPC!",
      NSExtension: {
        NSExtensionPointIdentifier: "com.apple.watchkit",
        NSExtensionAttributes: { WKAppBundleIdentifier: BUNDLES[WATCH] },
      },
    }),
  );
  add(`${WATCH_EXT}DemoWatchExtension`, await bytes(`${NOTIFICATION}Notification`), true);
  add(`${WATCH_EXT}embedded.mobileprovision`, await bytes(`${NOTIFICATION}embedded.mobileprovision`));
  add(`${WATCH_EXT}_CodeSignature/CodeResources`, await bytes(`${NOTIFICATION}_CodeSignature/CodeResources`));
  fs.writeFileSync(input, await zip.generateAsync({ type: "nodebuffer", compression: "DEFLATE", platform: "UNIX" }));
}

before(async () => {
  const pki = makeTestPki(path.join(tmp, "pki"));
  const p12 = exportP12(pki, pki.rsa, "watch", "correct horse");
  identity = parsePkcs12Identity(fs.readFileSync(p12), "correct horse");
  const root = new X509Certificate(fs.readFileSync(pki.root));
  anchors = [{ certificate: root, fingerprint: fingerprintOf(root), name: "Ferry Test Root CA", apple: false }];
  for (const [index, [dir, bundleId]] of Object.entries(BUNDLES).entries()) {
    const data = Buffer.from(
      testProfile({
        bundleId,
        teamId: TEST_TEAM_ID,
        uuid: `00000000-0000-4000-8000-00000000001${index}`,
        name: `Ferry watch test ${index}`,
        certificates: [Buffer.from(identity.certificate.raw)],
        entitlements: { "keychain-access-groups": [`${TEST_TEAM_ID}.*`] },
      }),
    );
    // The same fields Admin → Signing stores for a profile (lib/signing/profiles).
    const info = parseProvisioningProfile(data);
    profiles.set(dir, {
      data,
      forFit: {
        id: `profile-${index}`,
        name: info.name ?? "",
        uuid: info.uuid ?? "",
        teamId: info.teamIds[0] ?? null,
        appIdPattern: info.bundleIdPattern ?? "",
        notAfter: info.expirationDate,
        entitlements: info.entitlements,
        certificateFingerprints: profileCertificateFingerprints(data),
      },
    });
  }
  await buildWatchIpa();
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const forFit = (dir: string) => profiles.get(dir)?.forFit as ProfileForFit;
const planInput = async (ipa: string) => ({
  bundles: await readProvisionedBundles(ipa),
  identity: {
    commonName: identity.commonName,
    teamId: identity.teamId,
    fingerprint: certificateFingerprint(identity.certificate),
    notAfter: identity.notAfter,
  },
  defaultProfile: forFit(""),
  profilesByBundleId: new Map(
    Object.entries(BUNDLES)
      .filter(([dir]) => dir !== "")
      .map(([dir, bundleId]) => [bundleId, forFit(dir)]),
  ),
});

describe("re-signing an app with a Watch app and its WatchKit extension", () => {
  test("the plan lists the Watch app and its extension, each with the profile for its bundle id", async () => {
    const { outcomes } = planBundles(await planInput(input));
    assert.deepEqual(
      outcomes.map((o) => [o.dir, o.bundleId, o.profile?.id, o.error?.message ?? null]),
      [
        ["", APP_ID, "profile-0", null],
        [WATCH, BUNDLES[WATCH], "profile-2", null],
        [NOTIFICATION, BUNDLES[NOTIFICATION], "profile-1", null],
        [WATCH_EXT, BUNDLES[WATCH_EXT], "profile-3", null],
      ],
    );
    const watch = outcomes.find((o) => o.dir === WATCH);
    // It carries the app's entitlements (its executable is the app's): the old team's, moved to the new one.
    assert.equal(watch?.before["application-identifier"], `72LA85G59H.${APP_ID}`);
    assert.equal(watch?.after?.["application-identifier"], `${TEST_TEAM_ID}.${BUNDLES[WATCH]}`);
  });

  test("the re-signed build verifies with no problem; each Watch bundle is sealed, profiled and entitled for itself", async () => {
    const before = await verifyCodeSignature(input, { extraAnchors: anchors, at: new Date("2026-12-06") });
    assert.equal(before.valid, false);
    // The verifier sees the Watch app: the app's seal does not cover it, its own seal does not fit it.
    assert.ok(
      before.problems.some((p) => p.path.startsWith(`${APP}${WATCH}`)),
      JSON.stringify(before.problems),
    );

    const plan = planResign(await planInput(input));
    const signer = createCodeDirectorySigner(identity, { signingTime: new Date("2026-12-01T00:00:00Z") });
    const signed = await resignIpa(input, output, {
      certificateCommonName: identity.commonName,
      teamId: identity.teamId ?? "",
      signer,
      profiles: new Map(plan.map((b) => [b.dir, profiles.get(b.dir)?.data ?? Buffer.alloc(0)])),
      entitlements: new Map(plan.map((b) => [b.dir, b.entitlementsXml])),
      tempDir: tmp,
    });
    // Inside out: the WatchKit extension before the Watch app, the Watch app before the app that seals it.
    const order = signed.map((b) => b.path);
    const at = (dir: string, exe: string) => order.indexOf(`${APP}${dir}${exe}`);
    assert.ok(at(WATCH_EXT, "DemoWatchExtension") >= 0 && at(WATCH, "DemoWatch") >= 0, order.join(", "));
    assert.ok(at(WATCH_EXT, "DemoWatchExtension") < at(WATCH, "DemoWatch"), order.join(", "));
    assert.ok(at(WATCH, "DemoWatch") < at("", "Demo"), order.join(", "));

    const report = await verifyCodeSignature(output, { extraAnchors: anchors, at: new Date("2026-12-06") });
    assert.deepEqual(report.problems, [], JSON.stringify(report.problems, null, 2));
    assert.equal(report.valid, true);
    assert.equal(report.signer?.commonName, TEST_COMMON_NAME);
    const binary = (dir: string, exe: string) => report.binaries.find((b) => b.path === `${APP}${dir}${exe}`);
    for (const [dir, exe] of [
      ["", "Demo"],
      [NOTIFICATION, "Notification"],
      [WATCH, "DemoWatch"],
      [WATCH_EXT, "DemoWatchExtension"],
    ] as const) {
      const found = binary(dir, exe);
      assert.ok(found, `${dir}${exe} has a CodeDirectory`);
      assert.match(found.cdhash, /^[0-9a-f]{40}$/);
      assert.equal(found.teamId, TEST_TEAM_ID, `${dir}${exe} is signed for the new team`);
    }

    await withZip(output, async (zip) => {
      const read = (name: string) => zip.readEntry(APP + name, 1 << 26);
      const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest();
      /** The bundle at `dir` seals `files` (relative to it) by their current SHA-256. */
      const assertSeals = async (dir: string, files: string[]) => {
        const seal = parseCodeResources(await read(`${dir}_CodeSignature/CodeResources`));
        for (const file of files) {
          const entry = seal.files.get(file);
          assert.ok(isPlistDict(entry) && Buffer.isBuffer(entry.hash2), `${dir || "the app"} seals ${file}`);
          assert.ok(entry.hash2.equals(sha256(await read(dir + file))), `${dir || "the app"}'s seal of ${file}`);
        }
      };
      // iOS seal rules have no "nested" rule for Watch/ or PlugIns/: nested code is sealed file by file,
      // its executable's bytes (so its CodeDirectory, by cdhash) and its own seal included.
      const watchFiles = ["DemoWatch", "Info.plist", "embedded.mobileprovision", "_CodeSignature/CodeResources"];
      const extFiles = ["DemoWatchExtension", "Info.plist", "embedded.mobileprovision", "_CodeSignature/CodeResources"];
      await assertSeals("", [...watchFiles.map((f) => WATCH + f), ...extFiles.map((f) => WATCH_EXT + f)]);
      await assertSeals(
        WATCH,
        extFiles.map((f) => `PlugIns/DemoWatchExtension.appex/${f}`),
      );

      // Each bundle got the profile meant for it.
      for (const dir of Object.keys(BUNDLES)) {
        const embedded = await read(`${dir}embedded.mobileprovision`);
        assert.ok(embedded.equals(profiles.get(dir)?.data ?? Buffer.alloc(0)), `${dir || "the app"}'s profile`);
        assert.equal(parseProvisioningProfile(embedded).uuid, forFit(dir).uuid);
      }
    });

    // Entitlements rewritten for the new team, per bundle: as planned, and read back from each signature.
    const resigned = await readProvisionedBundles(output);
    for (const [dir, bundleId] of Object.entries(BUNDLES)) {
      const entitlements = resigned.find((b) => b.dir === dir)?.entitlements;
      assert.equal(entitlements?.["application-identifier"], `${TEST_TEAM_ID}.${bundleId}`, dir);
      assert.equal(entitlements?.["com.apple.developer.team-identifier"], TEST_TEAM_ID, dir);
      const groups = entitlements?.["keychain-access-groups"];
      assert.ok(Array.isArray(groups) && groups.every((g) => String(g).startsWith(`${TEST_TEAM_ID}.`)), dir);
      assert.deepEqual(entitlements, planBundles(await planInput(input)).outcomes.find((o) => o.dir === dir)?.after);
    }
  });
});
