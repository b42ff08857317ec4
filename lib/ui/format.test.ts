import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatBytes, formatRelative, plural } from "@/lib/ui/format";

describe("formatBytes", () => {
  const cases: [number, string][] = [
    [0, "0 bytes"],
    [1, "1 byte"],
    [1023, "1023 bytes"],
    [1024, "1 KiB"],
    [1536, "1.5 KiB"],
    [64 * 1024, "64 KiB"],
    // 1023.96 KiB would round to "1024 KiB": promoted instead.
    [1024 * 1024 - 40, "1 MiB"],
    [1024 * 1024, "1 MiB"],
    [15 * 1024 * 1024 + 300 * 1024, "15.3 MiB"],
    [20 * 1024 * 1024, "20 MiB"],
    [1.5 * 1024 ** 3, "1.5 GiB"],
    [4 * 1024 ** 3, "4 GiB"],
    [3 * 1024 ** 4, "3 TiB"],
    [5000 * 1024 ** 4, "5000 TiB"],
  ];
  for (const [bytes, expected] of cases) {
    it(`${bytes} → ${expected}`, () => assert.equal(formatBytes(bytes), expected));
  }

  it("uses one convention everywhere: binary units with IEC labels", () => {
    for (const [bytes] of cases) assert.doesNotMatch(formatBytes(bytes), /\b[KMGT]B\b/);
  });
});

describe("plural", () => {
  it("adds an s for every count but one", () => {
    assert.equal(plural(0, "build"), "0 builds");
    assert.equal(plural(1, "build"), "1 build");
    assert.equal(plural(2, "listed device"), "2 listed devices");
    assert.equal(plural(-1, "day"), "-1 days");
  });
});

it("formats relative times", () => {
  const now = new Date("2026-11-29T12:00:00Z");
  assert.equal(formatRelative("2026-11-29T11:59:50Z", now), "just now");
  assert.equal(formatRelative("2026-11-29T09:00:00Z", now), "3 hours ago");
  assert.equal(formatRelative("2026-11-28T11:00:00Z", now), "yesterday");
  assert.equal(formatRelative("2026-11-19T12:00:00Z", now), "last week");
  assert.equal(formatRelative("2026-11-30T13:00:00Z", now), "tomorrow");
  assert.equal(formatRelative("2026-11-29T12:05:00Z", now), "in 5 minutes");
});
