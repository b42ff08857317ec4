import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isPlistDict, plistDate, plistString, plistStringList } from "@/lib/analysis/ipa/plist-dict";
import { parsePlist } from "@/lib/analysis/ipa/plist-parse";

// Parsed by the real parser, so the value types are those the getters meet in practice.
const dict = parsePlist(
  Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
  <key>Id</key><string>  com.example.app  </string>
  <key>Blank</key><string>   </string>
  <key>Number</key><integer>7</integer>
  <key>Flag</key><true/>
  <key>When</key><date>2027-01-02T03:04:05Z</date>
  <key>Blob</key><data>AAEC</data>
  <key>List</key><array><string> a </string><string></string><integer>1</integer><string>b</string></array>
  <key>One</key><string> solo </string>
  <key>Nested</key><dict><key>K</key><string>v</string></dict>
</dict></plist>`),
);

describe("plist dictionary getters", () => {
  it("isPlistDict: only dictionaries, not arrays, dates, data or scalars", () => {
    assert.ok(isPlistDict(dict));
    if (!isPlistDict(dict)) return;
    assert.ok(isPlistDict(dict.Nested));
    for (const key of ["List", "When", "Blob", "Id", "Number", "Flag", "Missing"]) {
      assert.equal(isPlistDict(dict[key]), false, key);
    }
    assert.equal(isPlistDict(null), false);
  });

  it("plistString: trimmed, null when blank, missing or not a string", () => {
    assert.ok(isPlistDict(dict));
    assert.equal(plistString(dict, "Id"), "com.example.app");
    assert.equal(plistString(dict, "Blank"), null);
    assert.equal(plistString(dict, "Number"), null);
    assert.equal(plistString(dict, "Flag"), null);
    assert.equal(plistString(dict, "Missing"), null);
  });

  it("plistStringList: non-blank strings trimmed; a lone string is a list of one", () => {
    assert.ok(isPlistDict(dict));
    assert.deepEqual(plistStringList(dict.List), ["a", "b"]);
    assert.deepEqual(plistStringList(dict.One), ["solo"]);
    assert.deepEqual(plistStringList(dict.Blank), []);
    assert.deepEqual(plistStringList(dict.Number), []);
    assert.deepEqual(plistStringList(undefined), []);
  });

  it("plistDate: valid dates only", () => {
    assert.ok(isPlistDict(dict));
    assert.equal(plistDate(dict, "When")?.toISOString(), "2027-01-02T03:04:05.000Z");
    assert.equal(plistDate(dict, "Id"), null);
    assert.equal(plistDate({ Bad: new Date(Number.NaN) }, "Bad"), null);
    assert.equal(plistDate(dict, "Missing"), null);
  });
});
