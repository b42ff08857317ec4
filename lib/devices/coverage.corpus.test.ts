/** Device coverage (who can install an ad hoc or development build) read from real Xcode profiles. */
import assert from "node:assert/strict";
import fs from "node:fs";
import { describe, it } from "node:test";
import { parseProvisioningProfile } from "@/lib/analysis/profile/parse-profile";
import type { BuildDto } from "@/lib/builds/data";
import { coverageOf, deviceBlocker } from "@/lib/devices/data";
import { fixturePath } from "@/tests/helpers/fixtures";

const T0 = new Date("2026-03-01T10:00:00Z");

describe("coverage against real profiles", () => {
  for (const file of ["app_info--ios_adhoc.mobileprovision", "app_info--ios_development.mobileprovision"]) {
    it(`${file}: the listed device is included, another is missing, the blocker says so`, () => {
      const profile = parseProvisioningProfile(fs.readFileSync(fixturePath("profiles", file)), T0);
      const listed = profile.devices[0];
      assert.ok(listed);
      const build = { analysis: { profile }, uploadedBy: "uploader@example.com" } as unknown as BuildDto;
      const dto = (udid: string, name: string) => ({
        id: name,
        udid,
        name,
        model: "iPhone15,2",
        osVersion: null,
        serial: null,
        source: "profile",
        disabled: false,
        createdAt: T0.toISOString(),
        owner: { id: "u", email: "member@example.com" },
      });
      const coverage = coverageOf(build, [dto(listed, "in"), dto("7777777777777777777777777777777777777777", "out")]);
      assert.deepEqual(
        coverage?.included.map((e) => e.name),
        ["in"],
      );
      assert.deepEqual(
        coverage?.missing.map((e) => e.name),
        ["out"],
      );
      assert.equal(deviceBlocker(build, { udid: listed, name: "in" }), null);
      const blocked = deviceBlocker(build, { udid: "7777777777777777777777777777777777777777", name: "out" });
      assert.equal(blocked?.code, "device_not_in_profile");
      // Facts only: who to ask is said once by the page, not in every blocker.
      assert.match(blocked?.message ?? "", /not in this build's profile \(UDID 7{40}\)/);
      assert.doesNotMatch(blocked?.message ?? "", /ask/i);
      assert.equal(deviceBlocker(build, null), null);
    });
  }

  it("enterprise and App Store profiles have no coverage", () => {
    const profile = parseProvisioningProfile(
      fs.readFileSync(fixturePath("profiles", "app_info--ios_appstore.mobileprovision")),
      T0,
    );
    const build = { analysis: { profile }, uploadedBy: null } as unknown as BuildDto;
    assert.equal(coverageOf(build, []), null);
    assert.equal(deviceBlocker(build, { udid: "7777777777777777777777777777777777777777", name: null }), null);
  });
});
