import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import {
  assessInstallReadiness,
  bundleIdMatchesPattern,
  type InstallReadinessInput,
  type Warning,
  type WarningCode,
} from "@/lib/analysis/profile/install-readiness";
import { type ProfileInfo, parseProvisioningProfile } from "@/lib/analysis/profile/parse-profile";
import { fixturePath } from "@/tests/helpers/fixtures";

const NOW = new Date("2026-11-21T00:00:00Z");

function profile(overrides: Partial<ProfileInfo> = {}): ProfileInfo {
  return {
    name: "Synthetic",
    uuid: "00000000-0000-0000-0000-000000000000",
    teamName: "Example Team",
    teamIds: ["ABCDE12345"],
    appIdName: "Example",
    applicationIdentifier: "ABCDE12345.com.example.app",
    bundleIdPattern: "com.example.app",
    creationDate: "2026-01-01T00:00:00.000Z",
    expirationDate: "2027-06-01T00:00:00.000Z",
    platforms: ["iOS"],
    type: "enterprise",
    getTaskAllow: false,
    apsEnvironment: null,
    provisionsAllDevices: true,
    devices: [],
    deviceCount: 0,
    entitlements: {},
    envelope: "cms",
    signature: { status: "valid", signer: null, chainChecked: false },
    expired: false,
    daysUntilExpiry: 192,
    parseIssues: [],
    ...overrides,
  };
}

function input(overrides: Partial<InstallReadinessInput> = {}): InstallReadinessInput {
  return {
    profile: profile(),
    hasEmbeddedProfile: true,
    supportedPlatforms: ["iPhoneOS"],
    platformName: "iphoneos",
    publicUrlIsHttps: true,
    appBundleId: "com.example.app",
    buildBundleId: "com.example.app",
    now: NOW,
    ...overrides,
  };
}

function codes(warnings: Warning[]): WarningCode[] {
  return warnings.map((w) => w.code);
}

function only(warnings: Warning[], code: WarningCode): Warning {
  const found = warnings.filter((w) => w.code === code);
  assert.equal(found.length, 1, `expected exactly one ${code}, got ${codes(warnings).join(", ")}`);
  const w = found[0];
  assert.ok(w);
  assert.ok(w.message.length > 20 && w.hint.length > 20, `${code} has a message and a hint`);
  return w;
}

describe("assessInstallReadiness", () => {
  it("reports nothing for a healthy enterprise build", () => {
    assert.deepEqual(assessInstallReadiness(input()), []);
  });

  it("app_store_profile", () => {
    const w = only(
      assessInstallReadiness(input({ profile: profile({ type: "app-store", provisionsAllDevices: false }) })),
      "app_store_profile",
    );
    assert.equal(w.severity, "error");
    assert.match(w.message, /App Store/);
  });

  it("profile_expired", () => {
    const w = only(
      assessInstallReadiness(input({ profile: profile({ expirationDate: "2026-11-01T00:00:00.000Z" }) })),
      "profile_expired",
    );
    assert.equal(w.severity, "error");
    assert.match(w.message, /1 Nov 2026/);
  });

  it("profile_expiring_soon says the date and the days left", () => {
    const w = only(
      assessInstallReadiness(input({ profile: profile({ expirationDate: "2026-12-01T12:00:00.000Z" }) })),
      "profile_expiring_soon",
    );
    assert.equal(w.severity, "warning");
    assert.match(w.message, /1 Dec 2026/);
    assert.match(w.message, /10 days left/);
    // 15 days ahead: no warning.
    const later = assessInstallReadiness(input({ profile: profile({ expirationDate: "2026-12-06T00:00:01.000Z" }) }));
    assert.deepEqual(codes(later), []);
  });

  it("limited_devices for development and ad hoc profiles", () => {
    for (const type of ["development", "ad-hoc"] as const) {
      const p = profile({ type, provisionsAllDevices: false, devices: ["a", "b", "c"], deviceCount: 3 });
      const w = only(assessInstallReadiness(input({ profile: p })), "limited_devices");
      assert.equal(w.severity, "info");
      assert.match(w.message, /3 devices/);
    }
  });

  it("simulator_build", () => {
    for (const o of [{ supportedPlatforms: ["iPhoneSimulator"] }, { platformName: "iphonesimulator" }]) {
      assert.equal(only(assessInstallReadiness(input(o)), "simulator_build").severity, "error");
    }
  });

  it("no_embedded_profile", () => {
    const w = only(assessInstallReadiness(input({ hasEmbeddedProfile: false, profile: null })), "no_embedded_profile");
    assert.equal(w.severity, "error");
  });

  it("profile_unreadable when the profile exists but could not be parsed", () => {
    only(assessInstallReadiness(input({ profile: null })), "profile_unreadable");
  });

  it("profile_signature_invalid", () => {
    const p = profile({ signature: { status: "invalid", signer: null, chainChecked: false } });
    assert.equal(only(assessInstallReadiness(input({ profile: p })), "profile_signature_invalid").severity, "error");
    for (const status of ["unsigned", "unverifiable"] as const) {
      const q = profile({ signature: { status, signer: null, chainChecked: false } });
      assert.deepEqual(codes(assessInstallReadiness(input({ profile: q }))), []);
    }
  });

  it("insecure_public_url", () => {
    assert.equal(
      only(assessInstallReadiness(input({ publicUrlIsHttps: false })), "insecure_public_url").severity,
      "error",
    );
  });

  it("bundle_id_mismatch", () => {
    const p = profile({ bundleIdPattern: "*" });
    const w = only(
      assessInstallReadiness(input({ profile: p, buildBundleId: "com.example.other" })),
      "bundle_id_mismatch",
    );
    assert.match(w.message, /com\.example\.other/);
    assert.deepEqual(codes(assessInstallReadiness(input({ appBundleId: null }))), []);
  });

  it("profile_bundle_id_mismatch, including wildcards", () => {
    const w = only(
      assessInstallReadiness(input({ appBundleId: null, buildBundleId: "org.other.app" })),
      "profile_bundle_id_mismatch",
    );
    assert.equal(w.severity, "error");
    const wildcard = profile({ bundleIdPattern: "com.example.*" });
    assert.deepEqual(
      codes(assessInstallReadiness(input({ profile: wildcard, appBundleId: null, buildBundleId: "com.example.x" }))),
      [],
    );
    only(
      assessInstallReadiness(input({ profile: wildcard, appBundleId: null, buildBundleId: "com.other.x" })),
      "profile_bundle_id_mismatch",
    );
  });

  it("matches App ID patterns like iOS does", () => {
    assert.equal(bundleIdMatchesPattern("*", "anything"), true);
    assert.equal(bundleIdMatchesPattern("com.foo.*", "com.foo.bar"), true);
    assert.equal(bundleIdMatchesPattern("com.foo.*", "com.foo.bar.baz"), true);
    assert.equal(bundleIdMatchesPattern("com.foo.*", "com.foo."), false);
    assert.equal(bundleIdMatchesPattern("com.foo.*", "com.foobar"), false);
    assert.equal(bundleIdMatchesPattern("com.foo.bar", "com.foo.bar"), true);
    assert.equal(bundleIdMatchesPattern("com.foo.bar", "com.foo.baz"), false);
  });

  it("puts errors before warnings before info", () => {
    const p = profile({
      type: "development",
      provisionsAllDevices: false,
      deviceCount: 1,
      devices: ["x"],
      expirationDate: "2026-11-25T00:00:00.000Z",
    });
    const w = assessInstallReadiness(input({ profile: p, publicUrlIsHttps: false }));
    assert.deepEqual(codes(w), ["insecure_public_url", "profile_expiring_soon", "limited_devices"]);
  });

  it("judges a real tampered fixture profile", () => {
    const data = readFileSync(fixturePath("profiles", "fastlane--match-test.provisionprofile"));
    const p = parseProvisioningProfile(data, NOW);
    const found = codes(
      assessInstallReadiness(input({ profile: p, appBundleId: null, buildBundleId: "tools.fastlane.app" })),
    );
    assert.deepEqual(found.sort(), ["app_store_profile", "profile_expired", "profile_signature_invalid"]);
  });
});
