/**
 * The re-sign plan on real Apple-signed builds (the fixture corpus): what the
 * preview shows and what the job signs come from one rewrite (planBundles,
 * planResign). Each bundle's entitlements before and after, the keys added,
 * removed and changed for the new team and profile, and a profile that does
 * not grant what the app uses: the preview names the bundle and the keys with
 * the same error code the job fails with.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parsePlist } from "@/lib/analysis/ipa/plist-parse";
import { AppError } from "@/lib/errors";
import type { ProfileForFit } from "@/lib/signing/resign/fit";
import { type EntitlementChange, planBundles, planResign, readProvisionedBundles } from "@/lib/signing/resign/plan";
import { fixturePath } from "@/tests/helpers/fixtures";

const TEAM = "FERRYTEST1";
const identity = {
  commonName: "Apple Distribution: Ferry Test",
  teamId: TEAM,
  fingerprint: "AB",
  notAfter: "2099-01-01",
};
const profile = (overrides: Partial<ProfileForFit> = {}): ProfileForFit => ({
  id: "p",
  name: "Ferry wildcard",
  uuid: "u",
  teamId: TEAM,
  appIdPattern: "*",
  notAfter: "2099-01-01T00:00:00.000Z",
  certificateFingerprints: ["AB"],
  entitlements: {
    "application-identifier": `${TEAM}.*`,
    "get-task-allow": false,
    "keychain-access-groups": [`${TEAM}.*`],
  },
  ...overrides,
});
const byKey = (changes: EntitlementChange[]) => Object.fromEntries(changes.map((c) => [c.key, [c.kind, c.from, c.to]]));

describe("the re-sign plan on real builds", () => {
  it("an app with an extension: team moved in application-identifier, team-identifier and keychain groups, per bundle", async () => {
    const bundles = await readProvisionedBundles(fixturePath("ipa", "app_info--embedded.ipa"));
    const { teamId, outcomes } = planBundles({
      bundles,
      identity,
      defaultProfile: profile({ entitlements: { ...profile().entitlements, "get-task-allow": true } }),
      profilesByBundleId: new Map(),
    });
    assert.equal(teamId, TEAM);
    assert.deepEqual(
      outcomes.map((o) => [o.dir, o.bundleId, o.profile?.id, o.error]),
      [
        ["", "com.icyleaf.test.Demo", "p", null],
        ["PlugIns/Notification.appex/", "com.icyleaf.test.Demo.Notification", "p", null],
      ],
    );
    const [app, ext] = outcomes;
    assert.equal(app?.before["application-identifier"], "72LA85G59H.com.icyleaf.test.Demo");
    assert.deepEqual(byKey(app?.changes ?? []), {
      "application-identifier": ["changed", "72LA85G59H.com.icyleaf.test.Demo", `${TEAM}.com.icyleaf.test.Demo`],
      "com.apple.developer.team-identifier": ["changed", "72LA85G59H", TEAM],
      "get-task-allow": ["changed", false, true],
      "keychain-access-groups": ["changed", ["72LA85G59H.com.icyleaf.test.Demo"], [`${TEAM}.com.icyleaf.test.Demo`]],
    });
    assert.deepEqual(ext?.after?.["keychain-access-groups"], [`${TEAM}.com.icyleaf.test.Demo.Notification`]);
    // The job signs exactly what the preview shows.
    const plan = planResign({
      bundles,
      identity,
      defaultProfile: profile({ entitlements: { ...profile().entitlements, "get-task-allow": true } }),
      profilesByBundleId: new Map(),
    });
    for (const [i, bundle] of plan.entries()) {
      assert.deepEqual(bundle.changes, outcomes[i]?.changes);
      assert.deepEqual(parsePlist(bundle.entitlementsXml), outcomes[i]?.after);
    }
  });

  it("a profile without get-task-allow removes it; a per-bundle profile goes to its bundle only", async () => {
    const bundles = await readProvisionedBundles(fixturePath("ipa", "app_info--embedded.ipa"));
    const { "get-task-allow": _, ...withoutDebug } = profile().entitlements;
    const extProfile = profile({ id: "e", name: "Extension", entitlements: withoutDebug });
    const { outcomes } = planBundles({
      bundles,
      identity,
      defaultProfile: profile(),
      profilesByBundleId: new Map([["com.icyleaf.test.Demo.Notification", extProfile]]),
    });
    assert.deepEqual(
      outcomes.map((o) => o.profile?.id),
      ["p", "e"],
    );
    assert.equal(byKey(outcomes[0]?.changes ?? [])["get-task-allow"], undefined, "false stays false: no change");
    assert.deepEqual(byKey(outcomes[1]?.changes ?? [])["get-task-allow"], ["removed", false, null]);
  });

  it("a build with many capabilities: moved identifiers, aps-environment from the profile, untouched keys unlisted", async () => {
    const bundles = await readProvisionedBundles(fixturePath("ipa", "fastlane--very-capable-app.ipa"));
    const own = bundles[0]?.entitlements ?? {};
    // A profile granting everything the app uses (for the new team), push in production.
    const grants = Object.fromEntries(
      Object.entries(own).map(([k, v]) => [k, JSON.parse(JSON.stringify(v).replaceAll("TestFixture.", `${TEAM}.`))]),
    );
    const full = profile({ entitlements: { ...grants, "aps-environment": "production", "get-task-allow": false } });
    const { outcomes } = planBundles({ bundles, identity, defaultProfile: full, profilesByBundleId: new Map() });
    const [app] = outcomes;
    assert.equal(app?.error, null);
    assert.deepEqual(byKey(app?.changes ?? []), {
      "application-identifier": [
        "changed",
        "TestFixture.org.fastlane.very-capable-app",
        `${TEAM}.org.fastlane.very-capable-app`,
      ],
      "aps-environment": ["changed", "development", "production"],
      "com.apple.developer.pass-type-identifiers": ["changed", ["TestFixture.*"], [`${TEAM}.*`]],
      "com.apple.developer.team-identifier": ["changed", "TestFixture", TEAM],
      "com.apple.developer.ubiquity-kvstore-identifier": [
        "changed",
        "TestFixture.org.fastlane.very-capable-app",
        `${TEAM}.org.fastlane.very-capable-app`,
      ],
      "get-task-allow": ["changed", true, false],
      "keychain-access-groups": [
        "changed",
        ["TestFixture.org.fastlane.very-capable-app"],
        [`${TEAM}.org.fastlane.very-capable-app`],
      ],
    });
    assert.equal(app?.after?.["com.apple.developer.healthkit"], true);
  });

  it("a profile that does not grant what the app uses: the preview names the keys with the job's error code", async () => {
    const bundles = await readProvisionedBundles(fixturePath("ipa", "fastlane--very-capable-app.ipa"));
    const input = { bundles, identity, defaultProfile: profile(), profilesByBundleId: new Map() };
    const { outcomes } = planBundles(input);
    const error = outcomes[0]?.error;
    assert.equal(error?.code, "signing_profile_missing_entitlement");
    for (const key of ["aps-environment", "com.apple.developer.healthkit", "com.apple.developer.icloud-services"]) {
      assert.match(error?.message ?? "", new RegExp(key.replaceAll(".", "\\.")));
    }
    assert.ok((outcomes[0]?.changes.length ?? 0) > 0, "the changes are shown with the refusal");
    assert.throws(
      () => planResign(input),
      (thrown) => thrown instanceof AppError && thrown.code === error?.code && thrown.message === error?.message,
    );
  });

  it("refusals before the rewrite (app id, certificate, expiry) are per bundle, with the job's codes", async () => {
    const bundles = await readProvisionedBundles(fixturePath("ipa", "app_info--embedded.ipa"));
    const cases: [Partial<ProfileForFit>, string][] = [
      [{ appIdPattern: "com.other.*" }, "signing_profile_app_id_mismatch"],
      [{ certificateFingerprints: ["CD"] }, "signing_profile_certificate_mismatch"],
      [{ notAfter: "2020-01-01T00:00:00.000Z" }, "signing_profile_expired"],
    ];
    for (const [overrides, code] of cases) {
      const input = { bundles, identity, defaultProfile: profile(overrides), profilesByBundleId: new Map() };
      const { outcomes } = planBundles(input);
      assert.deepEqual(
        outcomes.map((o) => [o.error?.code, o.after]),
        [
          [code, null],
          [code, null],
        ],
      );
      assert.throws(
        () => planResign(input),
        (e) => e instanceof AppError && e.code === code,
      );
    }
    // Only the extension is outside the app id: the app goes ahead, the extension is refused.
    const { outcomes } = planBundles({
      bundles,
      identity,
      defaultProfile: profile({ appIdPattern: "com.icyleaf.test.Demo" }),
      profilesByBundleId: new Map(),
    });
    assert.deepEqual(
      outcomes.map((o) => o.error?.code ?? null),
      [null, "signing_profile_app_id_mismatch"],
    );
  });
});
