import assert from "node:assert/strict";
import { test } from "node:test";
import { deviceDisplayName, deviceModelName, iosVersionOfBuild, osVersionLabel } from "@/lib/devices/device-names";

test("iPhone identifiers from iPhone 8 to the iPhone 17 family have their marketing names", () => {
  const expected: [string, string][] = [
    ["iPhone10,1", "iPhone 8"],
    ["iPhone10,6", "iPhone X"],
    ["iPhone11,8", "iPhone XR"],
    ["iPhone12,8", "iPhone SE (2nd generation)"],
    ["iPhone13,1", "iPhone 12 mini"],
    ["iPhone14,6", "iPhone SE (3rd generation)"],
    ["iPhone15,4", "iPhone 15"],
    ["iPhone16,1", "iPhone 15 Pro"],
    ["iPhone16,2", "iPhone 15 Pro Max"],
    ["iPhone17,1", "iPhone 16 Pro"],
    ["iPhone17,5", "iPhone 16e"],
    ["iPhone18,1", "iPhone 17 Pro"],
    ["iPhone18,3", "iPhone 17"],
    ["iPhone18,4", "iPhone Air"],
  ];
  for (const [id, name] of expected) assert.equal(deviceModelName(id), name, id);
});

test("every iPhone generation from 10 to 18 has at least one entry (no gap in the table)", () => {
  // The first identifier of each hardware generation (iPhone11,1 was never used).
  for (const id of [
    "iPhone10,1",
    "iPhone11,2",
    "iPhone12,1",
    "iPhone13,1",
    "iPhone14,2",
    "iPhone15,2",
    "iPhone16,1",
    "iPhone17,1",
    "iPhone18,1",
  ]) {
    assert.notEqual(deviceModelName(id), id, id);
  }
});

test("recent iPads have their marketing names", () => {
  assert.equal(deviceModelName("iPad13,18"), "iPad (10th generation)");
  assert.equal(deviceModelName("iPad14,1"), "iPad mini (6th generation)");
  assert.equal(deviceModelName("iPad16,1"), "iPad mini (A17 Pro)");
  assert.equal(deviceModelName("iPad14,8"), "iPad Air 11-inch (M2)");
  assert.equal(deviceModelName("iPad15,5"), "iPad Air 13-inch (M3)");
  assert.equal(deviceModelName("iPad16,3"), "iPad Pro 11-inch (M4)");
  assert.equal(deviceModelName("iPad16,6"), "iPad Pro 13-inch (M4)");
});

test("an unknown identifier is shown as it is, and no prototype key is mistaken for a model", () => {
  assert.equal(deviceModelName("iPhone99,9"), "iPhone99,9");
  assert.equal(deviceModelName("toString"), "toString");
  assert.equal(deviceModelName("__proto__"), "__proto__");
});

test("OS builds map to the iOS version they belong to", () => {
  assert.equal(iosVersionOfBuild("22B83"), "18.1");
  assert.equal(iosVersionOfBuild("22A3354"), "18.0");
  assert.equal(iosVersionOfBuild("21E219"), "17.4");
  assert.equal(iosVersionOfBuild("20G75"), "16.6");
  assert.equal(iosVersionOfBuild("19H12"), "15.7");
  assert.equal(iosVersionOfBuild("23A341"), "26.0");
  assert.equal(iosVersionOfBuild("23B85"), "26.1");
  // A rapid security response's suffix letter.
  assert.equal(iosVersionOfBuild("20E772520a"), null, "too long a number to be a plain build");
  assert.equal(iosVersionOfBuild("20F75a"), "16.5");
  assert.equal(iosVersionOfBuild("17.4"), null);
  assert.equal(iosVersionOfBuild("banana"), null);
});

test("the version label shows a dotted version as it is and a build with its version", () => {
  assert.equal(osVersionLabel("17.4.1"), "iOS 17.4.1");
  assert.equal(osVersionLabel("22B83"), "iOS 18.1 (22B83)");
  assert.equal(osVersionLabel("weird"), "weird");
});

test("a device is named by its own name, else its model's marketing name", () => {
  assert.equal(deviceDisplayName({ name: "Ana's phone", model: "iPhone16,1" }), "Ana's phone");
  assert.equal(deviceDisplayName({ name: null, model: "iPhone16,1" }), "iPhone 15 Pro");
  assert.equal(deviceDisplayName({ name: null, model: null }), "Unnamed device");
});
