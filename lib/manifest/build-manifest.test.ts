import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "plist";
import { buildManifest } from "@/lib/manifest/build-manifest";

const IPA = "https://example.com/ferry/d/AbC_-1.xyz/app.ipa?a=1&b=<2>";
const ICON57 = "https://example.com/ferry/d/AbC_-1.xyz/icon-57.png";
const ICON512 = "https://example.com/ferry/d/AbC_-1.xyz/icon-512.png";
const TRICKY_TITLE = `Tom & Jerry <beta> "quoted" 'single' ]]> Größe 日本語 🚀`;

describe("buildManifest", () => {
  it("round-trips every value, including characters that need escaping", () => {
    const xml = buildManifest({
      ipaUrl: IPA,
      displayImageUrl: ICON57,
      fullSizeImageUrl: ICON512,
      bundleId: "com.example.app",
      bundleVersion: "1.2.3 (45)",
      title: TRICKY_TITLE,
      subtitle: "R&D <internal>",
    });

    assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>'));
    assert.ok(xml.includes("<!DOCTYPE plist PUBLIC"));
    assert.ok(xml.includes("Tom &amp; Jerry &lt;beta&gt;"), "title is escaped, not raw");
    assert.ok(!xml.includes("<beta>"));

    assert.deepEqual(parse(xml), {
      items: [
        {
          assets: [
            { kind: "software-package", url: IPA },
            { kind: "display-image", url: ICON57 },
            { kind: "full-size-image", url: ICON512 },
          ],
          metadata: {
            "bundle-identifier": "com.example.app",
            "bundle-version": "1.2.3 (45)",
            kind: "software",
            title: TRICKY_TITLE,
            subtitle: "R&D <internal>",
          },
        },
      ],
    });
  });

  it("omits optional assets and subtitle when not given", () => {
    const xml = buildManifest({
      ipaUrl: IPA,
      bundleId: "com.example.app",
      bundleVersion: "7",
      title: "App",
    });
    assert.deepEqual(parse(xml), {
      items: [
        {
          assets: [{ kind: "software-package", url: IPA }],
          metadata: {
            "bundle-identifier": "com.example.app",
            "bundle-version": "7",
            kind: "software",
            title: "App",
          },
        },
      ],
    });
    assert.ok(!xml.includes("subtitle"));
    assert.ok(!xml.includes("display-image"));
  });

  it("keeps newlines but drops characters XML cannot carry", () => {
    const xml = buildManifest({
      ipaUrl: IPA,
      bundleId: "com.example.app",
      bundleVersion: "1",
      title: "Line\r\nbreak\u0000\u0007\uFFFE\uD800 end",
    });
    const parsed = parse(xml);
    assert.deepEqual(parsed, {
      items: [
        {
          assets: [{ kind: "software-package", url: IPA }],
          metadata: {
            "bundle-identifier": "com.example.app",
            "bundle-version": "1",
            kind: "software",
            title: "Line\r\nbreak end",
          },
        },
      ],
    });
  });

  it("refuses empty required fields", () => {
    const base = { ipaUrl: IPA, bundleId: "com.example.app", bundleVersion: "1", title: "T" };
    assert.throws(() => buildManifest({ ...base, ipaUrl: "" }), RangeError);
    assert.throws(() => buildManifest({ ...base, bundleId: "" }), RangeError);
    assert.throws(() => buildManifest({ ...base, bundleVersion: "" }), RangeError);
    assert.throws(() => buildManifest({ ...base, displayImageUrl: "" }), RangeError);
  });
});
