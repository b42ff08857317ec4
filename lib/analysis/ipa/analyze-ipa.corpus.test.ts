import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import JSZip from "jszip";
import { buildBinary, build as buildXmlPlist } from "plist";
import { z } from "zod";
import { analyzeIpa, readAppEntry } from "@/lib/analysis/ipa/analyze-ipa";
import { bp, buildBplist, buildZip, type TestZipEntry } from "@/lib/analysis/ipa/test-helpers";
import { AppError, type ErrorCode } from "@/lib/errors";
import { fixturePath } from "@/tests/helpers/fixtures";

const expectedSchema = z.object({
  ipa: z.record(
    z.string(),
    z.object({
      appDir: z.string(),
      bundleId: z.string(),
      version: z.string(),
      build: z.string(),
      displayName: z.string().nullable(),
      bundleName: z.string().nullable(),
      minimumOSVersion: z.string().nullable(),
      deviceFamily: z.array(z.number()),
      infoPlistFormat: z.enum(["binary", "xml"]),
      iconNamesInPlist: z.array(z.string()),
      hasAssetsCar: z.boolean(),
      extensions: z.array(z.string()),
      embeddedProfile: z.unknown(),
    }),
  ),
  invalid: z.record(z.string(), z.unknown()),
});

/** The code each file in invalid/ must be rejected with. */
const INVALID_CODES: Record<string, ErrorCode> = {
  "fastlane--not-an-ipa.ipa": "not_a_zip",
  "fastlane--iOSAppOnly.ipa": "payload_nested",
  "fastlane--ContainsWatchApp.ipa": "payload_nested",
  "fastlane--no-app-bundle.ipa": "no_app_bundle",
  "fastlane--with_no_swift.ipa": "missing_info_plist",
  "isign--NotAnApp.ipa": "no_payload",
  // A simulator .app zipped at the root: not installable on any device.
  "isign--TestSimulator.app.zip": "not_an_ios_app",
};

/** Hostile inputs must fail fast, not after inflating or walking everything. */
const FAST_MS = 2000;

let tmp = "";
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "ferry-analyze-ipa-"));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

let counter = 0;
async function writeTemp(data: Buffer, name = "app.ipa"): Promise<string> {
  counter += 1;
  const file = path.join(tmp, `${counter}-${name}`);
  await writeFile(file, data);
  return file;
}

async function expectRejection(file: string, code: ErrorCode): Promise<AppError> {
  const started = Date.now();
  let caught: unknown;
  try {
    await analyzeIpa(file);
  } catch (err) {
    caught = err;
  }
  const elapsed = Date.now() - started;
  assert.ok(caught instanceof AppError, `expected AppError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.ok(elapsed < FAST_MS, `took ${elapsed} ms`);
  return caught;
}

const baseInfo = {
  CFBundleIdentifier: "com.example.ferry",
  CFBundleShortVersionString: "2.1",
  CFBundleVersion: "77",
  CFBundleName: "Ferry",
  CFBundleExecutable: "Ferry",
  MinimumOSVersion: "15.0",
  UIDeviceFamily: [1, 2],
  CFBundleSupportedPlatforms: ["iPhoneOS"],
};

function binaryPlist(value: Parameters<typeof buildBinary>[0]): Buffer {
  return Buffer.from(buildBinary(value));
}

/** A minimal app: Payload/Ferry.app with the given Info.plist bytes, written without directory entries. */
function appZip(infoPlist: Buffer, extra: TestZipEntry[] = []): Buffer {
  return buildZip([
    { name: "Payload/Ferry.app/Info.plist", data: infoPlist },
    { name: "Payload/Ferry.app/Ferry", data: Buffer.from("binary") },
    ...extra,
  ]);
}

/** The same shape written by JSZip (with its own directory entries), for interoperability. */
async function jszipApp(info: Record<string, string | number[] | string[]>): Promise<Buffer> {
  const zip = new JSZip();
  zip.file("Payload/Ferry.app/Info.plist", buildXmlPlist(info));
  zip.file("Payload/Ferry.app/Ferry", "binary");
  return zip.generateAsync({ type: "nodebuffer", compression: "DEFLATE" });
}

describe("analyzeIpa on real .ipa fixtures", async () => {
  const expected = expectedSchema.parse(JSON.parse(await readFile(fixturePath("expected.json"), "utf8")));
  const files = (await readdir(fixturePath("ipa"))).sort();

  it("has an expected.json entry for every file in ipa/", () => {
    assert.deepEqual(files, Object.keys(expected.ipa).sort());
  });

  for (const file of files) {
    it(file, async () => {
      const want = expected.ipa[file];
      assert.ok(want, `no expected.json entry for ${file}`);
      const info = await analyzeIpa(fixturePath("ipa", file));
      assert.equal(info.appDir, want.appDir);
      assert.equal(info.bundleId, want.bundleId);
      assert.equal(info.version, want.version);
      assert.equal(info.buildNumber, want.build);
      assert.equal(info.displayName, want.displayName ?? want.bundleName);
      assert.equal(info.bundleName, want.bundleName);
      assert.equal(info.minimumOSVersion, want.minimumOSVersion);
      assert.deepEqual(info.deviceFamily, want.deviceFamily);
      assert.equal(info.infoPlistFormat, want.infoPlistFormat);
      assert.equal(info.hasAssetsCar, want.hasAssetsCar);
      assert.equal(info.hasEmbeddedProfile, want.embeddedProfile !== null);
      // expected.json marks an asset-catalog icon as "<CFBundleIconName=…>": not a file name.
      assert.deepEqual(
        info.iconNames,
        want.iconNamesInPlist.filter((n) => !n.startsWith("<")),
      );
      // expected.json lists extensions by folder name; each must also carry its own bundle id.
      assert.deepEqual(
        info.extensions.map((e) => path.posix.basename(e.path)),
        want.extensions,
      );
      for (const ext of info.extensions) {
        assert.ok(ext.bundleId?.startsWith(`${info.bundleId}.`), `extension ${ext.path} bundle id ${ext.bundleId}`);
      }
      assert.ok(info.entryCount > 0);
      assert.ok(info.uncompressedSize > 0);
    });
  }

  it("reads an appex bundle id (app_info--embedded.ipa)", async () => {
    const info = await analyzeIpa(fixturePath("ipa/app_info--embedded.ipa"));
    assert.deepEqual(info.extensions, [
      { path: "Payload/Demo.app/PlugIns/Notification.appex", bundleId: "com.icyleaf.test.Demo.Notification" },
    ]);
  });
});

describe("analyzeIpa on invalid fixtures", async () => {
  const files = (await readdir(fixturePath("invalid"))).sort();

  it("knows the expected code of every file in invalid/", () => {
    assert.deepEqual(files, Object.keys(INVALID_CODES).sort());
  });

  for (const file of files) {
    it(`${file} → ${INVALID_CODES[file] ?? "?"}`, async () => {
      const code = INVALID_CODES[file];
      assert.ok(code, `no expected code for ${file}`);
      const err = await expectRejection(fixturePath("invalid", file), code);
      assert.ok(err.message.length > 40, "the message must explain the problem");
    });
  }

  it("says where a nested Payload was found and how to zip correctly", async () => {
    const err = await expectRejection(fixturePath("invalid/fastlane--iOSAppOnly.ipa"), "payload_nested");
    assert.match(err.message, /iOSAppOnly\/Payload\/Sample\.app/);
    assert.match(err.message, /zip -r MyApp\.ipa Payload/);
  });

  it("calls a root-level simulator .app a simulator build", async () => {
    const err = await expectRejection(fixturePath("invalid/isign--TestSimulator.app.zip"), "not_an_ios_app");
    assert.match(err.message, /isignTestApp\.app/);
    assert.match(err.message, /Simulator/);
  });
});

describe("analyzeIpa on generated archives", () => {
  it("rejects a truncated copy of a real .ipa with truncated_archive", async () => {
    const full = await readFile(fixturePath("ipa/bitbar-test-samples--calculator.ipa"));
    for (const cut of [200, Math.floor(full.length / 2)]) {
      const err = await expectRejection(await writeTemp(full.subarray(0, full.length - cut)), "truncated_archive");
      assert.match(err.message, /incomplete/);
    }
  });

  it("rejects an Info.plist without CFBundleIdentifier (missing_bundle_id)", async () => {
    const { CFBundleIdentifier: _, ...info } = baseInfo;
    await expectRejection(await writeTemp(await jszipApp(info)), "missing_bundle_id");
    await expectRejection(
      await writeTemp(appZip(binaryPlist({ ...baseInfo, CFBundleIdentifier: "  " }))),
      "missing_bundle_id",
    );
  });

  it("rejects an Info.plist without any version (missing_version)", async () => {
    const { CFBundleShortVersionString: _a, CFBundleVersion: _b, ...info } = baseInfo;
    await expectRejection(await writeTemp(await jszipApp(info)), "missing_version");
  });

  it("uses the one version present for both version and build", async () => {
    const { CFBundleShortVersionString: _, ...onlyBuild } = baseInfo;
    const a = await analyzeIpa(await writeTemp(await jszipApp(onlyBuild)));
    assert.equal(a.version, "77");
    assert.equal(a.buildNumber, "77");
    const { CFBundleVersion: __, ...onlyVersion } = baseInfo;
    const b = await analyzeIpa(await writeTemp(appZip(binaryPlist(onlyVersion))));
    assert.equal(b.version, "2.1");
    assert.equal(b.buildNumber, "2.1");
  });

  it("refuses bundle ids outside Apple's character set and length (invalid_bundle_id), NUL included", async () => {
    const hostile = [
      "../../../etc/passwd",
      `com.example.${"a".repeat(9_992)}`, // 10,004 characters
      "com.ex\u0430mple.app", // Cyrillic "а"
      "com.example\u0000.app", // a NUL: removing it would make it another app's id
      "com.example app",
      "com.example/app",
    ];
    for (const id of hostile) {
      const err = await expectRejection(
        await writeTemp(appZip(binaryPlist({ ...baseInfo, CFBundleIdentifier: id }))),
        "invalid_bundle_id",
      );
      assert.match(err.message, /CFBundleIdentifier/);
      assert.ok(err.message.length < 600, "the message quotes a short, escaped preview");
    }
    const cyrillic = await expectRejection(
      await writeTemp(appZip(binaryPlist({ ...baseInfo, CFBundleIdentifier: "com.ex\u0430mple.app" }))),
      "invalid_bundle_id",
    );
    assert.match(cyrillic.message, /com\.ex\\u0430mple\.app/);
    const ok = await analyzeIpa(
      await writeTemp(appZip(binaryPlist({ ...baseInfo, CFBundleIdentifier: `A-z.0-9.${"x".repeat(247)}` }))),
    );
    assert.equal(ok.bundleId.length, 255);
  });

  it("refuses versions with whitespace, control or non-ASCII characters or over 64 characters (invalid_version)", async () => {
    const hostile: [string, string][] = [
      ["CFBundleShortVersionString", "1.0\n<key>evil</key>"],
      ["CFBundleVersion", "45\u0000"],
      ["CFBundleVersion", "4 5"],
      ["CFBundleShortVersionString", "1.\u0665"], // Arabic-Indic five
      ["CFBundleShortVersionString", "1".repeat(65)],
    ];
    for (const [key, value] of hostile) {
      const err = await expectRejection(
        await writeTemp(appZip(binaryPlist({ ...baseInfo, [key]: value }))),
        "invalid_version",
      );
      assert.match(err.message, new RegExp(key));
    }
    for (const [version, build] of <[string, string][]>[
      ["1.2.3", "45"],
      ["1.0b3", "2024.06.01_1"],
      ["2.1-rc.1+exp.sha.5114f85", "1.0"],
    ]) {
      const a = await analyzeIpa(
        await writeTemp(
          appZip(binaryPlist({ ...baseInfo, CFBundleShortVersionString: version, CFBundleVersion: build })),
        ),
      );
      assert.deepEqual([a.version, a.buildNumber], [version, build]);
    }
  });

  it("refuses names over 128 characters (invalid_name); names lose control characters and line breaks", async () => {
    for (const key of ["CFBundleDisplayName", "CFBundleName"]) {
      const err = await expectRejection(
        await writeTemp(appZip(binaryPlist({ ...baseInfo, [key]: "A".repeat(100_000) }))),
        "invalid_name",
      );
      assert.match(err.message, new RegExp(`${key} of 100000 characters`));
    }
    const a = await analyzeIpa(
      await writeTemp(
        appZip(binaryPlist({ ...baseInfo, CFBundleDisplayName: `Caf\u00e9\n\tTwo\u0007 ${"🚀".repeat(118)}` })),
      ),
    );
    assert.equal(a.displayName, `Café Two ${"🚀".repeat(118)}`);
  });

  it("rejects an entry named Payload/../../evil (unsafe_archive)", async () => {
    const zip = appZip(binaryPlist(baseInfo), [{ name: "Payload/../../evil", data: Buffer.from("x") }]);
    const err = await expectRejection(await writeTemp(zip), "unsafe_archive");
    assert.match(err.message, /Payload\/\.\.\/\.\.\/evil/);
  });

  it("rejects a zip-bomb Info.plist (20 MB of zeros) with archive_too_complex", async () => {
    const zip = appZip(Buffer.alloc(20 * 1024 * 1024));
    assert.ok(zip.length < 100_000, "the bomb must be small on disk");
    const err = await expectRejection(await writeTemp(zip), "archive_too_complex");
    assert.match(err.message, /Info\.plist/);
  });

  it("rejects an Info.plist that inflates beyond its declared size with unsafe_archive", async () => {
    const zip = buildZip([
      { name: "Payload/Ferry.app/Info.plist", data: Buffer.alloc(30 * 1024 * 1024), declaredSize: 4096 },
    ]);
    await expectRejection(await writeTemp(zip), "unsafe_archive");
  });

  it("rejects a binary Info.plist with a cyclic reference (unreadable_info_plist)", async () => {
    // { CFBundleIdentifier: <the dict itself> }
    const cyclic = buildBplist([bp.dict([1], [0]), bp.ascii("CFBundleIdentifier")]);
    const err = await expectRejection(await writeTemp(appZip(cyclic)), "unreadable_info_plist");
    assert.match(err.message, /cycle/);
  });

  it("rejects Info.plist files that are not plists or not dictionaries (unreadable_info_plist)", async () => {
    await expectRejection(await writeTemp(appZip(Buffer.from("garbage, not a plist"))), "unreadable_info_plist");
    await expectRejection(await writeTemp(appZip(binaryPlist(["an", "array"]))), "unreadable_info_plist");
    await expectRejection(await writeTemp(appZip(Buffer.from("<plist><dict><key>A</key>"))), "unreadable_info_plist");
  });

  it("rejects a device .app zipped without Payload/ (no_payload)", async () => {
    const zip = buildZip([{ name: "Ferry.app/Info.plist", data: binaryPlist(baseInfo) }]);
    const err = await expectRejection(await writeTemp(zip), "no_payload");
    assert.match(err.message, /Ferry\.app at its top level/);
    assert.match(err.message, /Payload\//);
  });

  it("quotes a nested folder name with spaces in the zip hint (payload_nested)", async () => {
    const zip = buildZip([
      { name: "My Build/Payload/Ferry.app/Info.plist", data: binaryPlist(baseInfo) },
      { name: "__MACOSX/My Build/Payload/Ferry.app/._Info.plist", data: Buffer.from("x") },
    ]);
    const err = await expectRejection(await writeTemp(zip), "payload_nested");
    assert.match(err.message, /\(My Build\/Payload\/Ferry\.app\/…\)/);
    assert.match(err.message, /cd 'My Build' && zip -r MyApp\.ipa Payload/);
  });

  it("explains a lower-case payload/ folder (no_payload)", async () => {
    const zip = buildZip([{ name: "payload/Ferry.app/Info.plist", data: binaryPlist(baseInfo) }]);
    const err = await expectRejection(await writeTemp(zip), "no_payload");
    assert.match(err.message, /capital P/);
  });

  it("rejects an archive that is only Finder junk (no_payload)", async () => {
    await expectRejection(await writeTemp(buildZip([{ name: "__MACOSX/._x", data: Buffer.from("x") }])), "no_payload");
  });

  it("takes the first app in sorted order when there are several", async () => {
    const zip = buildZip([
      { name: "Payload/Zed.app/Info.plist", data: binaryPlist({ ...baseInfo, CFBundleIdentifier: "com.example.zed" }) },
      {
        name: "Payload/Alpha.app/Info.plist",
        data: binaryPlist({ ...baseInfo, CFBundleIdentifier: "com.example.alpha" }),
      },
    ]);
    const info = await analyzeIpa(await writeTemp(zip));
    assert.equal(info.appDir, "Payload/Alpha.app");
    assert.equal(info.bundleId, "com.example.alpha");
  });

  it("normalises optional fields and derives directories from file names", async () => {
    const plist = binaryPlist({
      ...baseInfo,
      CFBundleName: "",
      UIRequiredDeviceCapabilities: { arm64: true, metal: true, nfc: false },
      CFBundleIcons: { CFBundlePrimaryIcon: { CFBundleIconFiles: ["AppIcon60x60"] } },
      "CFBundleIcons~ipad": { CFBundlePrimaryIcon: { CFBundleIconFiles: ["AppIcon60x60", "AppIcon76x76"] } },
      CFBundleIconFile: "Legacy",
      DTPlatformName: "iphoneos",
      DTSDKName: "iphoneos18.0",
      DTXcode: "1600",
    });
    const extra: TestZipEntry[] = [
      { name: "Payload/Ferry.app/Assets.car", data: Buffer.from("car") },
      { name: "Payload/Ferry.app/embedded.mobileprovision", data: Buffer.from("profile") },
      {
        name: "Payload/Ferry.app/PlugIns/Share.appex/Info.plist",
        data: binaryPlist({ CFBundleIdentifier: "com.example.ferry.share" }),
      },
      { name: "Payload/Ferry.app/PlugIns/Broken.appex/Info.plist", data: Buffer.from("not a plist") },
      { name: "Payload/Ferry.app/PlugIns/NoPlist.appex/NoPlist", data: Buffer.from("bin") },
      { name: "Payload/Ferry.app/Frameworks/Alamofire.framework/Alamofire", data: Buffer.from("fw") },
      { name: "Payload/Ferry.app/Watch/Ferry Watch.app/Ferry Watch", data: Buffer.from("watch") },
    ];
    const zip = appZip(plist, extra);
    // Every entry lies under the app: Info.plist, the 6-byte executable and the extras.
    const expectedSize = extra.reduce((sum, e) => sum + (e.data?.length ?? 0), plist.length + 6);
    const info = await analyzeIpa(await writeTemp(zip));
    assert.deepEqual(info, {
      appDir: "Payload/Ferry.app",
      bundleId: "com.example.ferry",
      version: "2.1",
      buildNumber: "77",
      displayName: "Ferry", // no CFBundleDisplayName, empty CFBundleName: the folder name
      bundleName: null,
      minimumOSVersion: "15.0",
      executable: "Ferry",
      deviceFamily: [1, 2],
      supportedPlatforms: ["iPhoneOS"],
      platformName: "iphoneos",
      sdkName: "iphoneos18.0",
      xcodeVersion: "1600",
      requiredCapabilities: ["arm64", "metal"],
      infoPlistFormat: "binary",
      iconNames: ["AppIcon60x60", "AppIcon76x76", "Legacy"],
      hasAssetsCar: true,
      hasEmbeddedProfile: true,
      extensions: [
        { path: "Payload/Ferry.app/PlugIns/Broken.appex", bundleId: null },
        { path: "Payload/Ferry.app/PlugIns/NoPlist.appex", bundleId: null },
        { path: "Payload/Ferry.app/PlugIns/Share.appex", bundleId: "com.example.ferry.share" },
      ],
      frameworks: ["Alamofire.framework"],
      watchApp: "Ferry Watch.app",
      entryCount: 9,
      uncompressedSize: expectedSize,
    });
  });

  it("reads a zip64 .ipa", async () => {
    const zip = buildZip(
      [
        { name: "Payload/" },
        { name: "Payload/Ferry.app/" },
        { name: "Payload/Ferry.app/Info.plist", data: Buffer.from(buildXmlPlist(baseInfo)) },
      ],
      { zip64: true },
    );
    const info = await analyzeIpa(await writeTemp(zip));
    assert.equal(info.bundleId, "com.example.ferry");
    assert.equal(info.infoPlistFormat, "xml");
  });
});

describe("readAppEntry", () => {
  const ipa = fixturePath("ipa/app_info--embedded.ipa");

  it("returns an entry's bytes, or null when it does not exist", async () => {
    const profile = await readAppEntry(ipa, "Payload/Demo.app/embedded.mobileprovision", 1024 * 1024);
    assert.ok(profile && profile.length > 1000);
    assert.equal(profile[0], 0x30, "a CMS envelope starts with a DER SEQUENCE");
    assert.equal(await readAppEntry(ipa, "Payload/Demo.app/nope.png", 1024), null);
    assert.equal(await readAppEntry(ipa, "Payload/Demo.app/", 1024), null);
  });

  it("enforces the byte cap", async () => {
    await assert.rejects(
      readAppEntry(ipa, "Payload/Demo.app/embedded.mobileprovision", 100),
      (err: unknown) => err instanceof AppError && err.code === "archive_too_complex",
    );
  });
});
