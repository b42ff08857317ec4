/** The device exports open in spreadsheets: no cell may start like a formula. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DeviceDto } from "@/lib/devices/data";
import { appleDeviceList, csvDeviceList } from "@/lib/devices/device-lists";

const HOSTILE = [
  '=HYPERLINK("https://evil.example","x")',
  "+1+cmd|'/c calc'!A0",
  "-2+3",
  "@SUM(A1)",
  "\t=1",
  "\r=1",
  "  =1+1",
  "\uFF1D1+1",
  "\uFF0B1",
  "\uFF0D1",
  "\uFF20SUM(A1)",
];

function device(i: number, text: string): DeviceDto {
  return {
    id: `id-${i}`,
    udid: `0000803${i % 10}-00AA11BB22CC33DD`,
    name: text,
    model: text,
    osVersion: text,
    serial: null,
    source: "profile",
    disabled: false,
    createdAt: "2026-03-01T10:00:00.000Z",
    owner: { id: "u", email: text },
  };
}

/** A cell a spreadsheet would evaluate: it starts (after spaces) with a formula character. */
const LIVE = /^[\s\u3000]*[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

/** One CSV row of quoted cells (RFC 4180), as a spreadsheet reads it. */
function parseCsvRow(row: string): string[] {
  const cells: string[] = [];
  const cell = /"((?:[^"]|"")*)"(?:,|$)/y;
  while (cell.lastIndex < row.length) {
    const match = cell.exec(row);
    assert.ok(match, `a quoted cell at ${cell.lastIndex} of ${JSON.stringify(row)}`);
    cells.push((match[1] ?? "").replaceAll('""', '"'));
  }
  return cells;
}

describe("device exports defuse spreadsheet formulas", () => {
  const devices = HOSTILE.map((text, i) => device(i, text));

  it("Apple's tab-separated list: every name starts inert, nothing else changes", () => {
    const lines = appleDeviceList(devices).split("\n").slice(1, -1);
    assert.equal(lines.length, HOSTILE.length);
    for (const [i, line] of lines.entries()) {
      const [udid, name, platform, ...rest] = line.split("\t");
      assert.deepEqual(rest, [], `line ${i} keeps three fields`);
      assert.equal(udid, devices[i]?.udid);
      assert.equal(platform, "ios");
      assert.ok(name?.startsWith("'"), `name ${JSON.stringify(name)} is defused`);
      assert.doesNotMatch(name ?? "", LIVE);
      assert.ok((name ?? "").length <= 50);
    }
    // An ordinary name is left as it is.
    assert.ok(appleDeviceList([device(1, "Jane's iPhone")]).includes("\tJane's iPhone\tios\n"));
  });

  it("CSV: every text field of every row starts inert", () => {
    const rows = csvDeviceList(devices).split("\r\n").slice(1, -1);
    assert.equal(rows.length, HOSTILE.length);
    for (const row of rows) {
      const cells = parseCsvRow(row);
      assert.equal(cells.length, 6);
      for (const cell of cells.slice(1, 5)) {
        assert.ok(cell.startsWith("'"), `cell ${JSON.stringify(cell)} is defused`);
        assert.doesNotMatch(cell, LIVE);
      }
    }
  });
});
