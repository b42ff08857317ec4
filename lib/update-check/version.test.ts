import assert from "node:assert/strict";
import { test } from "node:test";
import { compareBuilds, compareVersionStrings } from "@/lib/update-check/version";

test("versions compare numerically by component, missing components are zero", () => {
  assert.equal(compareVersionStrings("1.10", "1.9"), 1);
  assert.equal(compareVersionStrings("1.2", "1.2.0"), 0);
  assert.equal(compareVersionStrings("2", "10"), -1);
  assert.equal(compareVersionStrings("1.2.3", "1.2.10"), -1);
  assert.equal(compareVersionStrings("01.2", "1.2"), 0);
  // Text sorts after numbers, and among itself as text.
  assert.equal(compareVersionStrings("1.beta", "1.0"), 1);
  assert.equal(compareVersionStrings("1.a", "1.b"), -1);
});

test("the build number decides between equal versions, when both sides have one", () => {
  assert.equal(compareBuilds({ version: "1.2", buildNumber: "45" }, { version: "1.2", buildNumber: "100" }), -1);
  assert.equal(compareBuilds({ version: "1.3", buildNumber: "1" }, { version: "1.2", buildNumber: "100" }), 1);
  assert.equal(compareBuilds({ version: "1.2", buildNumber: "7" }, { version: "1.2", buildNumber: null }), 0);
  assert.equal(compareBuilds({ version: "1.2", buildNumber: "7.1" }, { version: "1.2", buildNumber: "7" }), 1);
});
