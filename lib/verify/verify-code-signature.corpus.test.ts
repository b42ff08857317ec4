import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import JSZip from "jszip";
import type { TrustAnchor } from "@/lib/verify/trust-roots";
import { type CodeSignatureReport, verifyCodeSignature } from "@/lib/verify/verify-code-signature";
import { fixturePath } from "@/tests/helpers/fixtures";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-verify-test-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

// No extra roots: only Apple's pinned roots are trusted, whatever the environment says.
const APPLE_ONLY = { extraAnchors: [] as TrustAnchor[] };

/** What each real fixture holds (read independently with Python's zipfile and a Mach-O walk). */
const FIXTURES: Record<string, { binaries: string[]; appleSigned: boolean }> = {
  "app_info--embedded.ipa": {
    appleSigned: true,
    binaries: ["PlugIns/Notification.appex/Notification arm64 sha256", "Demo arm64 sha256"],
  },
  "app_info--ipad.ipa": { appleSigned: true, binaries: ["bundle armv7 sha1", "bundle arm64 sha1"] },
  "app_info--iphone.ipa": { appleSigned: true, binaries: ["AppInfoDemo armv7 sha1", "AppInfoDemo arm64 sha1"] },
  "bitbar-test-samples--BitBarSampleApp.ipa": { appleSigned: true, binaries: ["BitBarSampleApp arm64 sha256"] },
  "bitbar-test-samples--bitbar-ios-sample.ipa": {
    appleSigned: true,
    binaries: ["BitbarIOSSample armv7 sha1", "BitbarIOSSample arm64 sha1"],
  },
  "bitbar-test-samples--bitbar-sample-latest-iOS.ipa": {
    appleSigned: true,
    binaries: ["Frameworks/libswift_Concurrency.dylib arm64 sha1", "BitBarSample arm64 sha256"],
  },
  "bitbar-test-samples--calculator.ipa": {
    appleSigned: true,
    binaries: [
      ...[
        "Contacts",
        "Core",
        "CoreGraphics",
        "CoreImage",
        "Darwin",
        "Dispatch",
        "Foundation",
        "ObjectiveC",
        "UIKit",
      ].flatMap((name) => [
        `Frameworks/libswift${name}.dylib armv7 sha1`,
        `Frameworks/libswift${name}.dylib arm64 sha1`,
      ]),
      "calculator armv7 sha1",
      "calculator arm64 sha1",
    ],
  },
  "fastlane--very-capable-app.ipa": { appleSigned: false, binaries: ["very-capable-app arm64 sha1"] },
  "ipa-server--ipa.ipa": { appleSigned: true, binaries: ["Test arm64 sha256"] },
};

function summary(report: CodeSignatureReport): string[] {
  return report.binaries.map((b) => `${b.path.replace(/^Payload\/[^/]+\.app\//, "")} ${b.arch} ${b.hashType}`);
}

/** A fixture with some entries replaced, added or removed, written to the temp dir. */
async function modifiedCopy(fixture: string, change: (zip: JSZip, appDir: string) => Promise<void>): Promise<string> {
  const zip = await JSZip.loadAsync(fs.readFileSync(fixturePath("ipa", fixture)));
  const appDir = Object.keys(zip.files).find((n) => /^Payload\/[^/]+\.app\/$/.test(n)) ?? "";
  await change(zip, appDir);
  const file = path.join(tmp, `${fixture}-${Math.random().toString(36).slice(2)}.ipa`);
  fs.writeFileSync(file, await zip.generateAsync({ type: "nodebuffer", compression: "DEFLATE", platform: "UNIX" }));
  return file;
}

async function flipByte(zip: JSZip, name: string, at: (bytes: Buffer) => number): Promise<void> {
  const entry = zip.file(name);
  assert.ok(entry, `${name} is in the fixture`);
  const bytes = Buffer.from(await entry.async("nodebuffer"));
  const index = at(bytes);
  assert.ok(index >= 0 && index < bytes.length, `byte ${index} is inside ${name}`);
  bytes[index] = (bytes[index] ?? 0) ^ 0x01;
  zip.file(name, bytes, { unixPermissions: 0o100755 });
}

function errors(report: CodeSignatureReport) {
  return report.problems.filter((p) => p.severity === "error");
}

describe("verifyCodeSignature on the real fixtures", () => {
  for (const [fixture, expected] of Object.entries(FIXTURES)) {
    test(`${fixture}: every binary, slice and seal verifies`, async () => {
      const first = await verifyCodeSignature(fixturePath("ipa", fixture), APPLE_ONLY);
      assert.ok(first.signer, "the main executable has a signer");
      // Judge expiry when it was signed: the certificates were valid then.
      const signedAt = new Date(first.signer.signedAt ?? first.signer.notBefore);
      const report = await verifyCodeSignature(fixturePath("ipa", fixture), { ...APPLE_ONLY, at: signedAt });
      assert.deepEqual(summary(report), expected.binaries);
      for (const binary of report.binaries) assert.match(binary.cdhash, /^[0-9a-f]{40}$/);
      if (expected.appleSigned) {
        assert.deepEqual(report.problems, []);
        assert.equal(report.valid, true);
        assert.equal(report.signer?.issuedByApple, true);
        assert.equal(report.signer?.trusted, true);
        assert.match(report.signer?.teamId ?? "", /^[A-Z0-9]{10}$/);
      } else {
        // Signed with a self-made certificate: the seal is intact, the signer is not trusted.
        assert.deepEqual(
          report.problems.map((p) => p.code),
          ["signature_not_trusted"],
        );
        assert.equal(report.valid, false);
        assert.equal(report.signer?.issuedByApple, false);
      }
    });
  }

  test("an expired signing certificate is a warning: the build stays valid", async () => {
    const report = await verifyCodeSignature(fixturePath("ipa", "ipa-server--ipa.ipa"), {
      ...APPLE_ONLY,
      at: new Date("2030-01-01T00:00:00Z"),
    });
    assert.equal(report.valid, true);
    assert.deepEqual(
      report.problems.map((p) => [p.code, p.severity]),
      [["certificate_expired", "warning"]],
    );
    assert.equal(report.signer?.notAfter, "2022-04-17T05:10:27.000Z");
    assert.equal(report.signer?.teamId, "GC6FQHF5NF");
    assert.equal(report.signer?.commonName, "Apple Development: Qin Junru (CSBXB8DEZA)");
    assert.equal(report.entitlements?.["application-identifier"], "GC6FQHF5NF.com.ineva.test-rtmp.Test");

    const soon = await verifyCodeSignature(fixturePath("ipa", "ipa-server--ipa.ipa"), {
      ...APPLE_ONLY,
      at: new Date("2022-04-01T00:00:00Z"),
    });
    assert.deepEqual(
      soon.problems.map((p) => p.code),
      ["certificate_expiring_soon"],
    );
    assert.equal(soon.valid, true);
  });

  test("the synthetic build (profile swapped after signing) is reported modified, naming the file", async () => {
    const report = await verifyCodeSignature(fixturePath("synthetic", "synthetic--development-2036.ipa"), {
      ...APPLE_ONLY,
      at: new Date("2016-08-01T00:00:00Z"),
    });
    assert.equal(report.valid, false);
    assert.deepEqual(report.problems, [
      {
        code: "code_signature_invalid",
        severity: "error",
        message: "embedded.mobileprovision changed after signing",
        path: "Payload/AppInfoDemo.app/embedded.mobileprovision",
      },
    ]);
  });

  test("large binaries are spilled to a temporary file and give the same result", async () => {
    const file = fixturePath("ipa", "bitbar-test-samples--calculator.ipa");
    const at = new Date("2017-01-01T00:00:00Z");
    const inMemory = await verifyCodeSignature(file, { ...APPLE_ONLY, at });
    const spillDir = fs.mkdtempSync(path.join(tmp, "spill-"));
    const spilled = await verifyCodeSignature(file, { ...APPLE_ONLY, at, inMemoryLimit: 0, tempDir: spillDir });
    assert.deepEqual(spilled, inMemory);
    assert.deepEqual(fs.readdirSync(spillDir), [], "temporary files are removed");
  });
});

describe("verifyCodeSignature catches and names each change", () => {
  const at = new Date("2021-06-01T00:00:00Z");
  const app = "Payload/Test.app/";

  test("a byte flipped in a code page", async () => {
    const file = await modifiedCopy("ipa-server--ipa.ipa", (zip) => flipByte(zip, `${app}Test`, () => 20_000));
    const report = await verifyCodeSignature(file, { ...APPLE_ONLY, at });
    assert.equal(report.valid, false);
    assert.deepEqual(
      errors(report).map((p) => [p.code, p.path, p.arch]),
      [["code_page_modified", `${app}Test`, "arm64"]],
    );
    assert.match(errors(report)[0]?.message ?? "", /code page 4 \(bytes 16384–20479\) changed after signing/);
  });

  test("a byte flipped in one slice of a fat binary names that slice", async () => {
    const file = await modifiedCopy("app_info--iphone.ipa", (zip, dir) =>
      flipByte(zip, `${dir}AppInfoDemo`, () => 16_384 + 100),
    );
    const report = await verifyCodeSignature(file, { ...APPLE_ONLY, at: new Date("2016-08-01T00:00:00Z") });
    // Both directories (SHA-1 and SHA-256) of the armv7 slice see it; arm64 is intact.
    assert.deepEqual([...new Set(errors(report).map((p) => `${p.code} ${p.arch}`))], ["code_page_modified armv7"]);
  });

  test("a byte flipped in a resource (Assets.car)", async () => {
    const file = await modifiedCopy("ipa-server--ipa.ipa", (zip) =>
      flipByte(zip, `${app}Assets.car`, (b) => b.length >> 1),
    );
    const report = await verifyCodeSignature(file, { ...APPLE_ONLY, at });
    assert.deepEqual(
      errors(report).map((p) => [p.code, p.message, p.path]),
      [["code_signature_invalid", "Assets.car changed after signing", `${app}Assets.car`]],
    );
  });

  test("a byte flipped in Info.plist", async () => {
    const file = await modifiedCopy("ipa-server--ipa.ipa", (zip) =>
      flipByte(zip, `${app}Info.plist`, (b) => b.indexOf("com.ineva") + 4),
    );
    const report = await verifyCodeSignature(file, { ...APPLE_ONLY, at });
    assert.deepEqual(
      errors(report).map((p) => [p.code, p.message, p.path]),
      [["code_signature_invalid", "Info.plist changed after signing", `${app}Info.plist`]],
    );
  });

  test("a byte flipped in the entitlements blob", async () => {
    const file = await modifiedCopy("ipa-server--ipa.ipa", (zip) =>
      flipByte(zip, `${app}Test`, (b) => b.indexOf("application-identifier") + 2),
    );
    const report = await verifyCodeSignature(file, { ...APPLE_ONLY, at });
    const found = errors(report);
    assert.deepEqual(
      found.map((p) => [p.code, p.path, p.arch]),
      [["code_signature_invalid", `${app}Test`, "arm64"]],
    );
    assert.match(found[0]?.message ?? "", /the entitlements changed after signing/);
  });

  test("a file added after signing, and a sealed file removed", async () => {
    const file = await modifiedCopy("ipa-server--ipa.ipa", async (zip) => {
      zip.file(`${app}Extra.car`, Buffer.from("added later"));
      zip.remove(`${app}Base.lproj/Main.storyboardc/Info.plist`);
    });
    const report = await verifyCodeSignature(file, { ...APPLE_ONLY, at });
    assert.deepEqual(
      errors(report)
        .map((p) => p.message)
        .sort(),
      [
        "Base.lproj/Main.storyboardc/Info.plist was removed after signing (it is sealed but missing)",
        "Extra.car was added after signing (it is not in the seal)",
      ],
    );
  });

  test("a changed nested extension is caught in its own signature and in the app's seal", async () => {
    const file = await modifiedCopy("app_info--embedded.ipa", (zip, dir) =>
      flipByte(zip, `${dir}PlugIns/Notification.appex/Notification`, () => 10_000),
    );
    const report = await verifyCodeSignature(file, { ...APPLE_ONLY, at: new Date("2021-02-01T00:00:00Z") });
    assert.deepEqual(
      errors(report).map((p) => [p.code, p.path]),
      [
        ["code_page_modified", "Payload/Demo.app/PlugIns/Notification.appex/Notification"],
        ["code_signature_invalid", "Payload/Demo.app/PlugIns/Notification.appex/Notification"],
      ],
    );
  });

  test("a byte flipped in the CMS signature", async () => {
    const file = await modifiedCopy("ipa-server--ipa.ipa", (zip) =>
      // The signer's signature value is the last bytes of the CMS, before the superblob's zero padding.
      flipByte(zip, `${app}Test`, (b) => {
        const magic = b.indexOf(Buffer.from([0xfa, 0xde, 0x0b, 0x01]));
        return magic + b.readUInt32BE(magic + 4) - 10;
      }),
    );
    const report = await verifyCodeSignature(file, { ...APPLE_ONLY, at });
    assert.equal(report.valid, false);
    assert.deepEqual(
      errors(report).map((p) => p.code),
      ["code_signature_invalid"],
    );
    assert.match(errors(report)[0]?.message ?? "", /CMS signature does not verify/);
  });
});
