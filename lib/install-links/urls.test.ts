import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AppError } from "@/lib/errors";
import { buildPageUrl, iconUrl, installLinks, ipaUrl, itmsServicesUrl, manifestUrl } from "@/lib/install-links/urls";

const TOKEN = "AWsCeqAkMGI1ZTBm_NGUtNm-Qy.hoS7x3UEf2GfVYPK-1r0hw";

describe("install link URLs", () => {
  it("builds every link from a bare origin", () => {
    const links = installLinks("https://ferry.example.com", TOKEN);
    assert.deepEqual(links, {
      manifestUrl: `https://ferry.example.com/d/${TOKEN}/manifest.plist`,
      ipaUrl: `https://ferry.example.com/d/${TOKEN}/app.ipa`,
      icon57Url: `https://ferry.example.com/d/${TOKEN}/icon-57.png`,
      icon512Url: `https://ferry.example.com/d/${TOKEN}/icon-512.png`,
      itmsServicesUrl: `itms-services://?action=download-manifest&url=${encodeURIComponent(
        `https://ferry.example.com/d/${TOKEN}/manifest.plist`,
      )}`,
    });
  });

  it("treats trailing slashes and path prefixes correctly", () => {
    const cases: Array<[string, string]> = [
      ["https://ferry.example.com/", "https://ferry.example.com"],
      ["https://example.com/ferry", "https://example.com/ferry"],
      ["https://example.com/ferry/", "https://example.com/ferry"],
      ["https://example.com/ferry//", "https://example.com/ferry"],
      ["https://example.com/a/b/", "https://example.com/a/b"],
      ["https://EXAMPLE.com:443/ferry/?x=1#frag", "https://example.com/ferry"],
      ["http://localhost:3000", "http://localhost:3000"],
    ];
    for (const [publicUrl, base] of cases) {
      assert.equal(manifestUrl(publicUrl, TOKEN), `${base}/d/${TOKEN}/manifest.plist`, publicUrl);
      assert.equal(ipaUrl(publicUrl, TOKEN), `${base}/d/${TOKEN}/app.ipa`, publicUrl);
      assert.equal(iconUrl(publicUrl, TOKEN, 57), `${base}/d/${TOKEN}/icon-57.png`, publicUrl);
      assert.equal(iconUrl(publicUrl, TOKEN, 512), `${base}/d/${TOKEN}/icon-512.png`, publicUrl);
      assert.equal(buildPageUrl(publicUrl, "app1", "build2"), `${base}/apps/app1/builds/build2`, publicUrl);
    }
  });

  it("percent-encodes the whole manifest URL inside itms-services", () => {
    const manifest = "https://example.com/ferry/d/abc.def/manifest.plist";
    const itms = itmsServicesUrl(manifest);
    assert.equal(
      itms,
      "itms-services://?action=download-manifest&url=https%3A%2F%2Fexample.com%2Fferry%2Fd%2Fabc.def%2Fmanifest.plist",
    );
    // Round-trips through a URL parser the way iOS reads it.
    const query = itms.slice(itms.indexOf("?") + 1);
    assert.equal(new URLSearchParams(query).get("url"), manifest);
    assert.equal(new URLSearchParams(query).get("action"), "download-manifest");
  });

  it("keeps ids from escaping their path segment", () => {
    assert.equal(buildPageUrl("https://x.test", "a/b?c#d", "e f"), "https://x.test/apps/a%2Fb%3Fc%23d/builds/e%20f");
    assert.throws(() => buildPageUrl("https://x.test", "..", "b"), RangeError);
    assert.throws(() => manifestUrl("https://x.test", ""), RangeError);
  });

  it("rejects an unusable public URL as a server error", () => {
    for (const bad of ["", "ferry.example.com", "/ferry", "ftp://example.com", "javascript:alert(1)"]) {
      assert.throws(
        () => manifestUrl(bad, TOKEN),
        (error: unknown) => error instanceof AppError && error.code === "internal",
        bad,
      );
    }
  });
});
