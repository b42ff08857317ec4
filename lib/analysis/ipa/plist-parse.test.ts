import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { build, buildBinary } from "plist";
import { detectPlistFormat, parsePlist } from "@/lib/analysis/ipa/plist-parse";

const doc = { CFBundleIdentifier: "com.example.app", UIDeviceFamily: [1, 2], Blob: Buffer.from([1, 2, 3]) };

describe("parsePlist", () => {
  it("parses binary plists with our parser", () => {
    const buf = Buffer.from(buildBinary(doc));
    assert.equal(detectPlistFormat(buf), "binary");
    assert.deepEqual(parsePlist(buf), doc);
  });

  it("parses XML plists and returns <data> as a Buffer", () => {
    const buf = Buffer.from(build(doc), "utf8");
    assert.equal(detectPlistFormat(buf), "xml");
    const value = parsePlist(buf);
    assert.deepEqual(value, doc);
    assert.ok(Buffer.isBuffer((value as { Blob: unknown }).Blob));
  });

  it("accepts a UTF-8 byte-order mark and a bare <plist> root", () => {
    const body = '<plist version="1.0"><dict><key>A</key><string>b</string></dict></plist>';
    const buf = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`\n  ${body}`)]);
    assert.equal(detectPlistFormat(buf), "xml");
    assert.deepEqual(parsePlist(buf), { A: "b" });
  });

  it("rejects anything that is neither binary nor XML", () => {
    for (const text of ['{ A = "b"; }', "hello", "", "bplist01xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"]) {
      assert.equal(detectPlistFormat(Buffer.from(text)), null);
      assert.throws(() => parsePlist(Buffer.from(text)), /not a property list/);
    }
  });

  it("rejects malformed XML", () => {
    assert.throws(() => parsePlist(Buffer.from('<?xml version="1.0"?><html></html>')));
    assert.throws(() => parsePlist(Buffer.from("<plist><dict><key>A</key><data>!!!</data></dict></plist>")));
  });
});
