import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { buildBinary } from "plist";
import { z } from "zod";
import { analyzeIpa, readAppEntry } from "@/lib/analysis/ipa/analyze-ipa";
import { parseSignedData } from "@/lib/analysis/profile/cms";
import { makeEnvelope, makeSigner } from "@/lib/analysis/profile/cms-test-helpers";
import { type ProfileInfo, parseProvisioningProfile, toJsonValue } from "@/lib/analysis/profile/parse-profile";
import { AppError } from "@/lib/errors";
import { MAX_PROFILE_BYTES } from "@/lib/http/body-limits";
import { fixturePath } from "@/tests/helpers/fixtures";

/** All fixture profiles but one (expiring 2026-12-26) have expired by then. */
const CLOCK = new Date("2026-11-21T00:00:00Z");

const profileTruth = z.object({
  derived_type: z.string().nullable(),
  Name: z.string().nullable(),
  TeamName: z.string().nullable(),
  TeamIdentifier: z.array(z.string()).nullable(),
  UUID: z.string().nullable(),
  Platform: z.array(z.string()).nullable(),
  ExpirationDate: z.string().nullable(),
  ProvisionsAllDevices: z.boolean().nullable(),
  ProvisionedDevices_count: z.number().nullable(),
  "application-identifier": z.string().nullable(),
  "get-task-allow": z.boolean().nullable(),
  envelope: z.string(),
  cms_signature_check: z.string().nullable(),
});
type ProfileTruth = z.infer<typeof profileTruth>;

const expected = z
  .object({
    ipa: z.record(z.string(), z.object({ appDir: z.string(), embeddedProfile: profileTruth.nullable() })),
    profiles: z.record(z.string(), profileTruth),
  })
  .parse(JSON.parse(readFileSync(fixturePath("expected.json"), "utf8")));

const TYPE_NAMES: Record<string, ProfileInfo["type"]> = {
  development: "development",
  "ad-hoc": "ad-hoc",
  "enterprise (in-house)": "enterprise",
  "app-store": "app-store",
};

function expectedEnvelope(text: string): ProfileInfo["envelope"] {
  if (text.startsWith("CMS")) return "cms";
  if (text.startsWith("bare XML")) return "plist-xml";
  if (text.startsWith("bare binary")) return "plist-binary";
  throw new Error(`unknown envelope description ${text}`);
}

function expectedSignature(check: string | null): ProfileInfo["signature"]["status"] {
  if (check === null) return "unsigned";
  if (check === "ok") return "valid";
  if (check.startsWith("FAIL")) return "invalid";
  throw new Error(`unknown signature check ${check}`);
}

/** "2017-07-27T09:44:49.000Z" → "2017-07-27 09:44:49", the format of expected.json. */
function truthDate(iso: string): string {
  return iso.slice(0, 19).replace("T", " ");
}

function compareWithTruth(label: string, info: ProfileInfo, truth: ProfileTruth): void {
  assert.equal(info.envelope, expectedEnvelope(truth.envelope), `${label}: envelope`);
  assert.equal(info.signature.status, expectedSignature(truth.cms_signature_check), `${label}: signature`);
  assert.equal(info.signature.chainChecked, false, `${label}: chainChecked`);
  if (info.envelope === "cms") assert.ok(info.signature.signer, `${label}: signer named`);

  if (truth.Name === null && truth.UUID === null) {
    // expected.json's reader (plistlib) gave up on the invalid base64 in <data>; we read the
    // rest of the profile and record the problem instead of failing.
    assert.ok(info.parseIssues.length > 0, `${label}: the bad <data> is reported`);
    assert.ok(info.name && info.uuid && info.applicationIdentifier, `${label}: fields outside <data> are still read`);
    return;
  }

  assert.equal(info.name, truth.Name, `${label}: Name`);
  assert.equal(info.teamName, truth.TeamName, `${label}: TeamName`);
  assert.deepEqual(info.teamIds, truth.TeamIdentifier ?? [], `${label}: TeamIdentifier`);
  assert.equal(info.uuid, truth.UUID, `${label}: UUID`);
  assert.deepEqual(info.platforms, truth.Platform ?? [], `${label}: Platform`);
  assert.equal(truthDate(info.expirationDate), truth.ExpirationDate, `${label}: ExpirationDate`);
  assert.equal(info.provisionsAllDevices, truth.ProvisionsAllDevices === true, `${label}: ProvisionsAllDevices`);
  assert.equal(info.deviceCount, truth.ProvisionedDevices_count ?? 0, `${label}: ProvisionedDevices_count`);
  assert.equal(info.devices.length, info.deviceCount, `${label}: devices`);
  if (truth["application-identifier"] === null && info.platforms.includes("OSX")) {
    // macOS profiles keep it under com.apple.application-identifier, which expected.json does not read.
    assert.equal(
      info.applicationIdentifier,
      info.entitlements["com.apple.application-identifier"],
      `${label}: macOS app id`,
    );
  } else {
    assert.equal(info.applicationIdentifier, truth["application-identifier"], `${label}: application-identifier`);
  }
  if (info.applicationIdentifier) {
    assert.equal(`${info.applicationIdentifier.split(".")[0]}.${info.bundleIdPattern}`, info.applicationIdentifier);
  }
  assert.equal(info.getTaskAllow, truth["get-task-allow"], `${label}: get-task-allow`);
  assert.ok(truth.derived_type, `${label}: derived_type present`);
  assert.equal(info.type, TYPE_NAMES[truth.derived_type], `${label}: derived_type`);

  assert.equal(info.expired, new Date(info.expirationDate) <= CLOCK, `${label}: expired`);
  assert.equal(info.daysUntilExpiry < 0, info.expired, `${label}: daysUntilExpiry sign`);
  // The entitlements must survive JSON unchanged (no Buffers or Dates left).
  assert.deepEqual(JSON.parse(JSON.stringify(info.entitlements)), info.entitlements, `${label}: JSON-safe`);
}

describe("parseProvisioningProfile on every fixture", () => {
  const profileFiles = readdirSync(fixturePath("profiles")).sort();

  it("expected.json describes every profile file", () => {
    assert.deepEqual(profileFiles, Object.keys(expected.profiles).sort());
  });

  for (const [file, truth] of Object.entries(expected.profiles)) {
    it(`profiles/${file}`, () => {
      const info = parseProvisioningProfile(readFileSync(fixturePath("profiles", file)), CLOCK);
      compareWithTruth(file, info, truth);
    });
  }

  for (const [file, ipa] of Object.entries(expected.ipa)) {
    const truth = ipa.embeddedProfile;
    if (!truth) continue;
    it(`embedded profile of ipa/${file}`, async () => {
      const ipaPath = fixturePath("ipa", file);
      const info = await analyzeIpa(ipaPath);
      assert.equal(info.appDir, ipa.appDir);
      assert.equal(info.hasEmbeddedProfile, true);
      const data = await readAppEntry(ipaPath, `${info.appDir}/embedded.mobileprovision`, 1 << 20);
      assert.ok(data);
      compareWithTruth(file, parseProvisioningProfile(data, CLOCK), truth);
    });
  }

  it("only the profile of bitbar-sample-latest-iOS is still valid on the fixed clock", async () => {
    const stillValid: string[] = [];
    for (const file of Object.keys(expected.profiles)) {
      if (!parseProvisioningProfile(readFileSync(fixturePath("profiles", file)), CLOCK).expired) stillValid.push(file);
    }
    for (const [file, ipa] of Object.entries(expected.ipa)) {
      const data = await readAppEntry(fixturePath("ipa", file), `${ipa.appDir}/embedded.mobileprovision`, 1 << 20);
      if (data) {
        const info = parseProvisioningProfile(data, CLOCK);
        if (!info.expired) {
          stillValid.push(file);
          assert.equal(info.daysUntilExpiry, 35); // 2026-12-26 minus 2026-11-21
        }
      }
    }
    assert.deepEqual(stillValid, ["bitbar-test-samples--bitbar-sample-latest-iOS.ipa"]);
  });
});

const fixture = (name: string): Buffer => readFileSync(fixturePath("profiles", name));

function assertAppError(fn: () => unknown, code: "not_a_profile" | "malformed_profile"): void {
  assert.throws(fn, (err: unknown) => {
    // Ferry's one error type, so routes answer with the code and a 422 without mapping.
    assert.ok(err instanceof AppError, `expected AppError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.equal(err.status, 422);
    return true;
  });
}

describe("signature verification", () => {
  it("reports the tampered match-test profile as invalid, naming the signer", () => {
    const info = parseProvisioningProfile(fixture("fastlane--match-test.provisionprofile"), CLOCK);
    assert.equal(info.signature.status, "invalid");
    assert.match(info.signature.detail ?? "", /altered/);
    assert.ok(info.signature.signer?.subject);
    assert.match(info.signature.signer?.notAfter ?? "", /^\d{4}-\d{2}-\d{2}T/);
  });

  it("reports a flipped signature byte as invalid (the RSA check itself runs)", () => {
    const data = Buffer.from(fixture("fastlane--test.mobileprovision"));
    const sig = parseSignedData(data).signers[0]?.signature;
    assert.ok(sig);
    const offset = data.indexOf(sig) + 10;
    assert.ok(offset >= 10);
    data[offset] = (data[offset] ?? 0) ^ 0x01;
    const info = parseProvisioningProfile(data, CLOCK);
    assert.equal(info.signature.status, "invalid");
    assert.match(info.signature.detail ?? "", /does not verify/);
  });

  it("verifies the indefinite-length (BER) envelope of the self-signed fastlane profile", () => {
    const info = parseProvisioningProfile(
      fixture("fastlane--very-capable-app-xcarchive-embedded.mobileprovision"),
      CLOCK,
    );
    assert.equal(info.signature.status, "valid");
  });

  const content = Buffer.from(buildXmlPlist());
  for (const keyType of ["ec", "rsa"] as const) {
    const signer = makeSigner(keyType);
    it(`${keyType}: valid with signed attributes, by subjectKeyIdentifier`, () => {
      const info = parseProvisioningProfile(makeEnvelope(content, signer, { sid: "ski" }), CLOCK);
      assert.equal(info.signature.status, "valid", info.signature.detail);
      assert.match(info.signature.signer?.subject ?? "", /Ferry Test Signer/);
      assert.equal(info.signature.signer?.notAfter, "2034-01-01T00:00:00.000Z");
    });
    it(`${keyType}: valid without signed attributes, by issuerAndSerialNumber`, () => {
      const env = makeEnvelope(content, signer, { sid: "issuerSerial", signedAttrs: false });
      assert.equal(parseProvisioningProfile(env, CLOCK).signature.status, "valid");
    });
    it(`${keyType}: valid with constructed, indefinite-length content chunks`, () => {
      const env = makeEnvelope(content, signer, { berChunkSize: 100 });
      const info = parseProvisioningProfile(env, CLOCK);
      assert.equal(info.signature.status, "valid");
      assert.equal(info.name, "Synthetic");
    });
    it(`${keyType}: altered content is invalid, with and without signed attributes`, () => {
      const altered = Buffer.from(content.toString("utf8").replace("Synthetic", "Synthetik"));
      for (const signedAttrs of [true, false]) {
        const env = makeEnvelope(content, signer, { signedAttrs, replaceContent: altered });
        assert.equal(parseProvisioningProfile(env, CLOCK).signature.status, "invalid");
      }
    });
    it(`${keyType}: a missing signer certificate is unverifiable`, () => {
      const env = makeEnvelope(content, signer, { includeCertificate: false });
      const info = parseProvisioningProfile(env, CLOCK);
      assert.equal(info.signature.status, "unverifiable");
      assert.equal(info.signature.chainChecked, false);
    });
  }

  it("reports bare plists as unsigned", () => {
    const info = parseProvisioningProfile(fixture("app_info--bplist.mobileprovision"), CLOCK);
    assert.equal(info.signature.status, "unsigned");
    assert.equal(info.signature.signer, null);
  });
});

/** A minimal synthetic profile (no real team data). */
function buildXmlPlist(extra: Record<string, unknown> = {}): string {
  const devices = ["00008030-000000000000001E"];
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict>
<key>Name</key><string>Synthetic</string>
<key>UUID</key><string>00000000-0000-0000-0000-000000000000</string>
<key>TeamIdentifier</key><array><string>ABCDE12345</string></array>
<key>ExpirationDate</key><date>2026-12-01T12:00:00Z</date>
<key>CreationDate</key><date>2025-12-01T12:00:00Z</date>
<key>ProvisionedDevices</key><array>${devices.map((d) => `<string>${d}</string>`).join("")}</array>
<key>Entitlements</key><dict>
<key>application-identifier</key><string>ABCDE12345.com.example.*</string>
<key>get-task-allow</key><true/>
<key>aps-environment</key><string>development</string>
<key>blob</key><data>AAEC</data>
<key>when</key><date>2025-01-02T03:04:05Z</date>
</dict>
${Object.entries(extra)
  .map(([k, v]) => `<key>${k}</key>${String(v)}`)
  .join("\n")}
</dict></plist>`;
}

describe("field derivation", () => {
  it("reads a synthetic development profile", () => {
    const info = parseProvisioningProfile(Buffer.from(buildXmlPlist()), CLOCK);
    assert.equal(info.type, "development");
    assert.equal(info.envelope, "plist-xml");
    assert.equal(info.bundleIdPattern, "com.example.*");
    assert.equal(info.apsEnvironment, "development");
    assert.deepEqual(info.devices, ["00008030-000000000000001E"]);
    assert.equal(info.creationDate, "2025-12-01T12:00:00.000Z");
    assert.equal(info.expired, false);
    assert.equal(info.daysUntilExpiry, 10); // 2026-12-01T12:00 minus 2026-11-21T00:00 = 10.5 days
    assert.equal(info.entitlements.blob, "AAEC");
    assert.equal(info.entitlements.when, "2025-01-02T03:04:05.000Z");
  });

  it("counts days until expiry as negative once expired", () => {
    const info = parseProvisioningProfile(Buffer.from(buildXmlPlist()), new Date("2026-12-02T00:00:00Z"));
    assert.equal(info.expired, true);
    assert.equal(info.daysUntilExpiry, -1);
  });

  it("derives ad hoc, enterprise and app store types", () => {
    const adHoc = buildXmlPlist().replace("<key>get-task-allow</key><true/>", "<key>get-task-allow</key><false/>");
    assert.equal(parseProvisioningProfile(Buffer.from(adHoc), CLOCK).type, "ad-hoc");
    const enterprise = buildXmlPlist({ ProvisionsAllDevices: "<true/>" }).replace(
      /<key>ProvisionedDevices<\/key><array>.*?<\/array>/,
      "",
    );
    assert.equal(parseProvisioningProfile(Buffer.from(enterprise), CLOCK).type, "enterprise");
    const appStore = adHoc.replace(/<key>ProvisionedDevices<\/key><array>.*?<\/array>/, "");
    assert.equal(parseProvisioningProfile(Buffer.from(appStore), CLOCK).type, "app-store");
  });

  it("converts data and dates to JSON-safe values", () => {
    assert.deepEqual(toJsonValue({ a: Buffer.from([1, 2, 3]), d: new Date(0), n: [1, true, "x"] }), {
      a: "AQID",
      d: "1970-01-01T00:00:00.000Z",
      n: [1, true, "x"],
    });
  });

  it("keeps reading when a <data> value is not base64", () => {
    const xml = buildXmlPlist({ DeveloperCertificates: "<array><data>Sample!!not base64</data></array>" });
    const info = parseProvisioningProfile(Buffer.from(xml), CLOCK);
    assert.equal(info.name, "Synthetic");
    assert.equal(info.parseIssues.length, 1);
  });
});

describe("hostile and non-profile input", () => {
  it("rejects empty input, text, PNG and random bytes as not_a_profile", () => {
    assertAppError(() => parseProvisioningProfile(Buffer.alloc(0)), "not_a_profile");
    assertAppError(() => parseProvisioningProfile(Buffer.from("hello world")), "not_a_profile");
    assertAppError(
      () => parseProvisioningProfile(Buffer.from("89504e470d0a1a0a0000000d49484452", "hex")),
      "not_a_profile",
    );
  });

  it("rejects a plist that is not a profile", () => {
    const bplist = buildBinary({ CFBundleIdentifier: "com.example" });
    assertAppError(() => parseProvisioningProfile(Buffer.from(bplist)), "not_a_profile");
  });

  it("rejects input over 1 MiB", () => {
    assertAppError(() => parseProvisioningProfile(Buffer.alloc(MAX_PROFILE_BYTES + 1, 0x30)), "malformed_profile");
  });

  it("rejects a truncated envelope", () => {
    const data = fixture("fastlane--test.mobileprovision");
    for (const cut of [3, 40, 500, data.length - 1]) {
      assertAppError(() => parseProvisioningProfile(data.subarray(0, cut)), "malformed_profile");
    }
  });

  it("rejects lengths that point past the buffer", () => {
    assertAppError(
      () => parseProvisioningProfile(Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x06])),
      "malformed_profile",
    );
    assertAppError(
      () => parseProvisioningProfile(Buffer.from([0x30, 0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9])),
      "malformed_profile",
    );
  });

  it("rejects deeply nested indefinite-length input quickly", () => {
    const deep = Buffer.alloc(200_000);
    for (let i = 0; i < deep.length; i += 2) {
      deep[i] = 0x30;
      deep[i + 1] = 0x80;
    }
    const started = Date.now();
    assertAppError(() => parseProvisioningProfile(deep), "malformed_profile");
    assert.ok(Date.now() - started < 1000);
  });

  it("rejects a signed container that is not SignedData", () => {
    // ContentInfo with id-data instead of id-signedData.
    const env = Buffer.from("300f06092a864886f70d010701a0020400", "hex");
    env[1] = env.length - 2;
    assertAppError(() => parseProvisioningProfile(env), "not_a_profile");
  });

  it("rejects signed content that is not a plist", () => {
    const env = makeEnvelope(Buffer.from("just text"), makeSigner("ec"));
    assertAppError(() => parseProvisioningProfile(env), "not_a_profile");
  });
});
