import assert from "node:assert/strict";
import fs from "node:fs";
import { describe, test } from "node:test";
import { isPlistDict, plistString } from "@/lib/analysis/ipa/plist-dict";
import { parsePlist } from "@/lib/analysis/ipa/plist-parse";
import { withZip } from "@/lib/analysis/ipa/zip-reader";
import {
  buildCodeResources,
  bundleFilesInZip,
  type Files2Hashes,
  IOS_RESOURCE_RULES,
  ruleSetsOf,
} from "@/lib/signing/code-resources-writer";
import { fixturePath } from "@/tests/helpers/fixtures";

/** The files2 style an original seal was written in (which digests its entries carry). */
function files2StyleOf(original: Buffer): Files2Hashes {
  const plist = parsePlist(original);
  assert.ok(isPlistDict(plist) && isPlistDict(plist.files2));
  const entries = Object.values(plist.files2);
  if (entries.some((e) => Buffer.isBuffer(e))) return "sha1";
  return entries.some((e) => isPlistDict(e) && Buffer.isBuffer(e.hash)) ? "sha1+sha256" : "sha256";
}

describe("CodeResources writer against codesign's own seals", () => {
  const fixtures = fs.readdirSync(fixturePath("ipa")).filter((f) => f.endsWith(".ipa"));

  test("every bundle of every fixture: the seal rebuilt from the archive's files equals the original byte for byte", async () => {
    const checked: string[] = [];
    for (const fixture of fixtures) {
      await withZip(fixturePath("ipa", fixture), async (zip) => {
        const seals = zip.entries.filter((e) => e.name.endsWith("/_CodeSignature/CodeResources"));
        assert.ok(seals.length > 0, `${fixture} has a seal`);
        for (const seal of seals) {
          const dir = seal.name.slice(0, -"_CodeSignature/CodeResources".length);
          const original = await zip.readEntry(seal.name, 16 * 1024 * 1024);
          const info = parsePlist(await zip.readEntry(`${dir}Info.plist`, 4 * 1024 * 1024));
          const executable = isPlistDict(info) ? plistString(info, "CFBundleExecutable") : null;
          const rebuilt = await buildCodeResources({
            files: await bundleFilesInZip(zip, dir),
            mainExecutable: executable,
            open: (p) => zip.openEntryStream(dir + p),
            rules: ruleSetsOf(original),
            files2Hashes: files2StyleOf(original),
          });
          assert.equal(rebuilt.toString("utf8"), original.toString("utf8"), `${fixture}: ${seal.name}`);
          checked.push(`${fixture}:${dir}`);
        }
      });
    }
    // 9 apps and the embedded fixture's extension.
    assert.equal(checked.length, 10);
  });

  test("fixtures sealed by current codesign use exactly the standard iOS rule sets", async () => {
    const modern = [
      "app_info--embedded.ipa",
      "bitbar-test-samples--BitBarSampleApp.ipa",
      "bitbar-test-samples--bitbar-sample-latest-iOS.ipa",
      "ipa-server--ipa.ipa",
    ];
    for (const fixture of modern) {
      await withZip(fixturePath("ipa", fixture), async (zip) => {
        const seal = zip.entries.find((e) => /^Payload\/[^/]+\.app\/_CodeSignature\/CodeResources$/.test(e.name));
        assert.ok(seal);
        assert.deepEqual(ruleSetsOf(await zip.readEntry(seal.name, 1 << 24)), IOS_RESOURCE_RULES, fixture);
      });
    }
  });

  test("the standard rules: Info.plist, PkgInfo and .DS_Store only in the legacy files, .lproj optional, symlinks by target", async () => {
    const contents: Record<string, string> = {
      App: "exe",
      "Info.plist": "info",
      PkgInfo: "APPL????",
      ".DS_Store": "x",
      "en.lproj/Localizable.strings": "hello",
      "Base.lproj/Main.storyboardc/Info.plist": "base",
      "_CodeSignature/CodeResources": "old seal",
      "embedded.mobileprovision": "profile",
    };
    const files = [...Object.keys(contents).map((p) => ({ path: p })), { path: "Link", symlinkTarget: "PkgInfo" }];
    const xml = await buildCodeResources({
      files,
      mainExecutable: "App",
      open: async (p) => [Buffer.from(contents[p] ?? "")],
    });
    const plist = parsePlist(xml);
    assert.ok(isPlistDict(plist) && isPlistDict(plist.files) && isPlistDict(plist.files2));
    // The legacy rules omit nothing but locversion.plist: .DS_Store is dropped by rules2 only.
    assert.deepEqual(Object.keys(plist.files).sort(), [
      ".DS_Store",
      "Base.lproj/Main.storyboardc/Info.plist",
      "Info.plist",
      "PkgInfo",
      "embedded.mobileprovision",
      "en.lproj/Localizable.strings",
    ]);
    assert.deepEqual(Object.keys(plist.files2).sort(), [
      "Base.lproj/Main.storyboardc/Info.plist",
      "Link",
      "embedded.mobileprovision",
      "en.lproj/Localizable.strings",
    ]);
    assert.deepEqual(plist.files2.Link, { symlink: "PkgInfo" });
    const strings = plist.files2["en.lproj/Localizable.strings"];
    assert.ok(isPlistDict(strings) && strings.optional === true && !("hash" in strings));
  });

  test("nested code claimed by a nested rule is sealed by cdhash and requirement, its files not one by one", async () => {
    const contents: Record<string, string> = {
      App: "exe",
      "Frameworks/Kit.framework/Kit": "kit",
      "Frameworks/Kit.framework/Info.plist": "kit info",
      "icon.png": "png",
    };
    const cdhash = Buffer.alloc(20, 0xab);
    const xml = await buildCodeResources({
      files: Object.keys(contents).map((p) => ({ path: p })),
      mainExecutable: "App",
      open: async (p) => [Buffer.from(contents[p] ?? "")],
      rules: {
        rules: { "^": true },
        rules2: { "^.*": true, "^Frameworks/[^/]+\\.framework$": { nested: true, weight: 10 } },
      },
      files2Hashes: "sha1+sha256",
      nestedCode: new Map([
        ["Frameworks/Kit.framework", { cdhash, requirement: 'identifier "kit" and anchor apple generic' }],
      ]),
    });
    const plist = parsePlist(xml);
    assert.ok(isPlistDict(plist) && isPlistDict(plist.files2) && isPlistDict(plist.files));
    assert.deepEqual(Object.keys(plist.files2).sort(), ["Frameworks/Kit.framework", "icon.png"]);
    assert.deepEqual(plist.files2["Frameworks/Kit.framework"], {
      cdhash,
      requirement: 'identifier "kit" and anchor apple generic',
    });
    // The legacy table has no nested code: it lists the framework's files.
    assert.deepEqual(Object.keys(plist.files).sort(), [
      "Frameworks/Kit.framework/Info.plist",
      "Frameworks/Kit.framework/Kit",
      "icon.png",
    ]);
  });
});
