import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { deflateSync } from "node:zlib";
import { build as buildXmlPlist } from "plist";
import { PNG } from "pngjs";
import { extractAppIcon } from "@/lib/analysis/icons/app-icon";
import { encodePng } from "@/lib/analysis/icons/encode";
import { expectedIpas } from "@/lib/analysis/icons/icon-corpus";
import { distinctColours, ihdr, maxAlpha, writeChunks } from "@/lib/analysis/icons/icon-test-helpers";
import { analyzeIpa } from "@/lib/analysis/ipa/analyze-ipa";
import { buildZip } from "@/lib/analysis/ipa/test-helpers";
import { fixturePath } from "@/tests/helpers/fixtures";

function assertUsablePng(buf: Buffer, size: number, label: string): void {
  const png = PNG.sync.read(buf);
  assert.equal(png.width, size, `${label}: width`);
  assert.equal(png.height, size, `${label}: height`);
  const data = Buffer.from(png.data);
  assert.ok(maxAlpha(data) > 0, `${label}: not fully transparent`);
  assert.ok(distinctColours(data) > 4, `${label}: not uniform`);
}

describe("extractAppIcon on every fixture", () => {
  for (const [file, ipa] of Object.entries(expectedIpas)) {
    it(file, async () => {
      const ipaPath = fixturePath("ipa", file);
      const info = await analyzeIpa(ipaPath);
      const icon = await extractAppIcon(ipaPath, info);
      if (ipa.iconPngs.length > 0) {
        assert.equal(icon.source, "bundle");
        assert.ok(ipa.iconPngs.some(([name]) => `${ipa.appDir}/${name}` === icon.entryName));
      } else {
        assert.equal(icon.source, "placeholder");
        assert.equal(icon.entryName, null);
      }
      assertUsablePng(icon.png57, 57, `${file} 57`);
      assertUsablePng(icon.png512, 512, `${file} 512`);
    });
  }

  it("gives ipa-server's Assets.car-only icon a placeholder", async () => {
    const ipaPath = fixturePath("ipa", "ipa-server--ipa.ipa");
    const info = await analyzeIpa(ipaPath);
    assert.equal(info.hasAssetsCar, true);
    assert.equal((await extractAppIcon(ipaPath, info)).source, "placeholder");
  });
});

describe("extractAppIcon with damaged icons", () => {
  let tmp = "";
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), "ferry-app-icon-"));
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  const infoPlist = Buffer.from(
    buildXmlPlist({
      CFBundleIdentifier: "com.example.icons",
      CFBundleShortVersionString: "1.0",
      CFBundleVersion: "1",
      CFBundleName: "Icon Test",
      CFBundleIcons: { CFBundlePrimaryIcon: { CFBundleIconFiles: ["AppIcon60x60"] } },
    }),
  );
  const goodIcon = (): Buffer => {
    const data = Buffer.alloc(120 * 120 * 4);
    for (let i = 0; i < 120 * 120; i++) data.set([i % 120, 80, (i / 120) & 0xff, 255], i * 4);
    return encodePng({ width: 120, height: 120, data });
  };

  async function ipaWith(name: string, icons: Record<string, Buffer>): Promise<string> {
    const file = path.join(tmp, `${name}.ipa`);
    const entries = [
      { name: "Payload/Icons.app/Info.plist", data: infoPlist },
      ...Object.entries(icons).map(([n, data]) => ({ name: `Payload/Icons.app/${n}`, data })),
    ];
    await writeFile(file, buildZip(entries));
    return file;
  }

  it("falls back to the next candidate when the best one is corrupt", async () => {
    const file = await ipaWith("next", {
      "AppIcon60x60@3x.png": Buffer.from("garbage"),
      "AppIcon60x60@2x.png": goodIcon(),
    });
    const icon = await extractAppIcon(file, await analyzeIpa(file));
    assert.equal(icon.source, "bundle");
    assert.equal(icon.entryName, "Payload/Icons.app/AppIcon60x60@2x.png");
  });

  it("uses the placeholder when every icon is unusable", async () => {
    const huge = writeChunks([
      ihdr(100_000, 100_000),
      { type: "IDAT", data: deflateSync(Buffer.alloc(1000)) },
      { type: "IEND", data: Buffer.alloc(0) },
    ]);
    const blank = encodePng({ width: 60, height: 60, data: Buffer.alloc(60 * 60 * 4) });
    const file = await ipaWith("bad", {
      "AppIcon60x60@3x.png": huge,
      "AppIcon60x60@2x.png": goodIcon().subarray(0, 200),
      "AppIcon60x60.png": blank,
    });
    const started = performance.now();
    const icon = await extractAppIcon(file, await analyzeIpa(file));
    assert.ok(performance.now() - started < 2000);
    assert.equal(icon.source, "placeholder");
    assertUsablePng(icon.png57, 57, "placeholder 57");
    assertUsablePng(icon.png512, 512, "placeholder 512");
  });

  it("uses the placeholder when the archive cannot be read", async () => {
    const file = await ipaWith("ok", { "AppIcon60x60@2x.png": goodIcon() });
    const info = await analyzeIpa(file);
    const icon = await extractAppIcon(path.join(tmp, "missing.ipa"), info);
    assert.equal(icon.source, "placeholder");
  });
});
