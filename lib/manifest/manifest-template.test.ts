import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildFor, manifestForToken } from "@/lib/manifest/manifest-template";

const BUILD = {
  id: "6f1c2a4e-1b2c-4d3e-8f90-0a1b2c3d4e5f",
  bundleId: "com.example.app",
  version: "1.2.3",
  name: `Tom & Jerry <beta> "quoted" ]]> 🚀`,
};

const direct = (publicUrl: string, token: string, build = BUILD): string => buildFor(publicUrl, token, build);

describe("manifestForToken", () => {
  it("gives byte for byte what buildManifest gives, for every token and build", () => {
    for (const publicUrl of ["https://ferry.example.com", "https://example.com/ferry/?x=1&y=<2>"]) {
      for (const token of ["AbC_-1.xyz", "AQAAAAA-_.Zz09", "x.y"]) {
        assert.equal(manifestForToken(publicUrl, token, BUILD), direct(publicUrl, token));
        // Again, now from the cached template.
        assert.equal(manifestForToken(publicUrl, token, BUILD), direct(publicUrl, token));
      }
    }
    const renamed = { ...BUILD, name: "Renamed", version: "2" };
    assert.equal(
      manifestForToken("https://ferry.example.com", "a.b", renamed),
      direct("https://ferry.example.com", "a.b", renamed),
    );
  });

  it("builds tokens it cannot splice safely the slow way", () => {
    for (const token of ["a&b.c", "a/b.c", "a b.c", "nodot", "a.b.c"]) {
      assert.equal(
        manifestForToken("https://ferry.example.com", token, BUILD),
        direct("https://ferry.example.com", token),
      );
    }
  });
});
