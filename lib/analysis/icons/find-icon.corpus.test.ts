import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodePng } from "@/lib/analysis/icons/cgbi";
import { estimateIconPixels, findIconEntry, rankIconEntries } from "@/lib/analysis/icons/find-icon";
import { expectedIpas } from "@/lib/analysis/icons/icon-corpus";
import { analyzeIpa, readAppEntry } from "@/lib/analysis/ipa/analyze-ipa";
import { withZip } from "@/lib/analysis/ipa/zip-reader";
import { fixturePath } from "@/tests/helpers/fixtures";

describe("findIconEntry on every fixture", () => {
  for (const [file, ipa] of Object.entries(expectedIpas)) {
    it(file, async () => {
      const ipaPath = fixturePath("ipa", file);
      const info = await analyzeIpa(ipaPath);
      const names = await withZip(ipaPath, async (zip) => zip.entries.map((e) => e.name));
      const chosen = findIconEntry(names, info.appDir, info.iconNames);
      if (ipa.iconPngs.length === 0) {
        // No PNG icon at the root (absent, or only in Assets.car): the caller draws a placeholder.
        assert.equal(chosen, null);
        return;
      }
      assert.ok(chosen, "an icon PNG exists, so one is found");
      const pngs = ipa.iconPngs.map(([name]) => `${ipa.appDir}/${name}`);
      assert.ok(pngs.includes(chosen), `${chosen} is one of the icon PNGs`);

      // It is the largest of the icon PNGs (by real pixel size).
      const widths = new Map<string, number>();
      for (const name of pngs) {
        const buf = await readAppEntry(ipaPath, name, 5 << 20);
        assert.ok(buf);
        widths.set(name, decodePng(buf).width);
      }
      assert.equal(widths.get(chosen), Math.max(...widths.values()));
    });
  }
});

describe("findIconEntry rules", () => {
  const app = "Payload/X.app";
  const files = (...rel: string[]): string[] => rel.map((r) => `${app}/${r}`);

  it("adds scale and device suffixes to base names and prefers the largest", () => {
    const names = files("AppIcon60x60@2x.png", "AppIcon60x60@3x.png", "AppIcon76x76~ipad.png", "Info.plist");
    assert.equal(findIconEntry(names, app, ["AppIcon60x60", "AppIcon76x76"]), `${app}/AppIcon60x60@3x.png`);
    assert.deepEqual(
      rankIconEntries(names, app, ["AppIcon60x60", "AppIcon76x76"]),
      files("AppIcon60x60@3x.png", "AppIcon60x60@2x.png", "AppIcon76x76~ipad.png"),
    );
  });

  it("accepts names given with their extension", () => {
    assert.equal(findIconEntry(files("icon.png", "icon-other.png"), app, ["icon.png"]), `${app}/icon.png`);
    assert.equal(findIconEntry(files("Icon@2x.png"), app, ["Icon.png"]), `${app}/Icon@2x.png`);
  });

  it("finds iPad-only icons", () => {
    assert.equal(
      findIconEntry(files("AppIcon83.5x83.5@2x~ipad.png", "AppIcon29x29~ipad.png"), app, [
        "AppIcon29x29",
        "AppIcon83.5x83.5",
      ]),
      `${app}/AppIcon83.5x83.5@2x~ipad.png`,
    );
  });

  it("matches case-insensitively when the exact name is missing", () => {
    assert.equal(findIconEntry(files("appicon60x60@2x.png"), app, ["AppIcon60x60"]), `${app}/appicon60x60@2x.png`);
  });

  it("falls back to conventional names at the bundle root only", () => {
    const names = [
      ...files("AppIcon60x60@2x.png", "Icon-72.png", "logo.png"),
      `${app}/assets/Icon@3x.png`,
      `${app}/Icons/`,
    ];
    assert.equal(findIconEntry(names, app, []), `${app}/AppIcon60x60@2x.png`);
    assert.equal(findIconEntry(files("logo.png", "Default@2x.png"), app, []), null);
  });

  it("returns null when the named icon exists only in Assets.car", () => {
    assert.equal(findIconEntry(files("Assets.car", "Info.plist"), app, ["AppIcon60x60"]), null);
  });

  it("ignores other bundles and non-PNG files", () => {
    const names = ["Payload/Other.app/AppIcon60x60@2x.png", `${app}/AppIcon60x60`];
    assert.equal(findIconEntry(names, app, ["AppIcon60x60"]), null);
  });

  it("estimates pixel sizes from names", () => {
    assert.equal(estimateIconPixels("AppIcon60x60@3x.png"), 180);
    assert.equal(estimateIconPixels("AppIcon83.5x83.5@2x~ipad.png"), 167);
    assert.equal(estimateIconPixels("Icon-72@2x.png"), 144);
    assert.equal(estimateIconPixels("Icon-Small.png"), 29);
    assert.equal(estimateIconPixels("icon.png"), 57);
  });
});
