import assert from "node:assert/strict";
import { test } from "node:test";
import { safeReturnTo, withReturnTo } from "@/lib/devices/return-to";

test("same-origin relative paths pass", () => {
  assert.equal(
    safeReturnTo("/apps/0d6c3c9e-2a57-4f7e-9b0e-1f7d1c1f2a3b"),
    "/apps/0d6c3c9e-2a57-4f7e-9b0e-1f7d1c1f2a3b",
  );
  assert.equal(safeReturnTo("/apps/a/builds/b"), "/apps/a/builds/b");
  assert.equal(safeReturnTo("/apps/a/channels/beta"), "/apps/a/channels/beta");
});

test("anything that could leave the origin, or loop, is refused", () => {
  for (const bad of [
    "https://evil.example/apps/x",
    "//evil.example",
    "/\\evil.example",
    "/%2F%2Fevil.example",
    "/\t/evil.example",
    "javascript:alert(1)",
    "apps/x",
    "",
    "/",
    "/devices",
    "/devices/enroll",
    null,
    undefined,
  ]) {
    assert.equal(safeReturnTo(bad), null, String(bad));
  }
});

test("withReturnTo adds only a safe path", () => {
  assert.equal(withReturnTo("/devices", "/apps/a"), "/devices?returnTo=%2Fapps%2Fa");
  assert.equal(withReturnTo("/devices?registered=1", "/apps/a"), "/devices?registered=1&returnTo=%2Fapps%2Fa");
  assert.equal(withReturnTo("/devices", "https://evil.example"), "/devices");
});
