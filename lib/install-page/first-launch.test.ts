import assert from "node:assert/strict";
import { test } from "node:test";
import type { BuildDto } from "@/lib/builds/data";
import { firstLaunchOf } from "@/lib/install-page/first-launch";

function withProfile(profile: { type: string; teamName: string | null; getTaskAllow: boolean | null } | null) {
  return { analysis: profile ? { profile } : null } as unknown as Pick<BuildDto, "analysis">;
}

test("an in-house build asks to trust its team, nothing else", () => {
  assert.deepEqual(firstLaunchOf(withProfile({ type: "enterprise", teamName: "Example Corp", getTaskAllow: false })), {
    enterprise: true,
    developer: "Example Corp",
    developerMode: false,
    registeredDevicesOnly: false,
  });
});

test("a development build needs Developer Mode and a registered device", () => {
  const dev = firstLaunchOf(withProfile({ type: "development", teamName: "Dev Team", getTaskAllow: true }));
  assert.equal(dev.developerMode, true);
  assert.equal(dev.registeredDevicesOnly, true);
  assert.equal(dev.enterprise, false);
});

test("an in-house build signed with get-task-allow still needs Developer Mode", () => {
  const dev = firstLaunchOf(withProfile({ type: "enterprise", teamName: "Example Corp", getTaskAllow: true }));
  assert.equal(dev.developerMode, true);
  assert.equal(dev.enterprise, true);
});

test("ad hoc: a registered device only; no profile: nothing to do", () => {
  const adHoc = firstLaunchOf(withProfile({ type: "ad-hoc", teamName: null, getTaskAllow: false }));
  assert.deepEqual([adHoc.developerMode, adHoc.registeredDevicesOnly], [false, true]);
  assert.deepEqual(firstLaunchOf(withProfile(null)), {
    enterprise: false,
    developer: null,
    developerMode: false,
    registeredDevicesOnly: false,
  });
});
