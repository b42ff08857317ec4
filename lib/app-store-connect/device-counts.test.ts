/** Apple's device classes and enrolled models as the kinds Apple's yearly limit counts. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  countByKind,
  deviceCountWords,
  deviceLimitReachedWords,
  kindOfDeviceClass,
  kindOfModel,
} from "@/lib/app-store-connect/device-counts";

describe("device kinds", () => {
  it("counts per class, the Mac classes as one kind, whatever the status", () => {
    const counts = countByKind(
      ["IPHONE", "IPHONE", "IPAD", "APPLE_WATCH", "MAC", "APPLE_SILICON_MAC", "INTEL_MAC", "SOMETHING_NEW"].map(
        (deviceClass) => ({ deviceClass }),
      ),
    );
    assert.deepEqual(Object.fromEntries(counts), { IPHONE: 2, IPAD: 1, APPLE_WATCH: 1, MAC: 3 });
    assert.equal(kindOfDeviceClass("APPLE_TV"), "APPLE_TV");
    assert.equal(kindOfDeviceClass("SOMETHING_NEW"), null);
  });

  it("an enrolled device's kind comes from its PRODUCT", () => {
    assert.equal(kindOfModel("iPhone15,2"), "IPHONE");
    assert.equal(kindOfModel("iPad13,1"), "IPAD");
    assert.equal(kindOfModel("iPod9,1"), "IPOD");
    assert.equal(kindOfModel("Watch6,1"), "APPLE_WATCH");
    assert.equal(kindOfModel("AppleTV11,1"), "APPLE_TV");
    assert.equal(kindOfModel("RealityDevice14,1"), "APPLE_VISION_PRO");
    assert.equal(kindOfModel(null), null);
    assert.equal(kindOfModel("Unknown1,1"), null);
  });

  it("says the count and the reason in plain words", () => {
    const state = { kind: "IPHONE" as const, used: 97, limit: 100, countedAt: "", reached: false };
    assert.match(deviceCountWords(state), /^97 of 100 iPhone devices are registered .* this membership year\.$/);
    assert.match(
      deviceLimitReachedWords({ ...state, used: 100, reached: true }),
      /^Apple's yearly device limit is reached: 100 of 100 iPhone devices .*Test connection/,
    );
  });
});
