import assert from "node:assert/strict";
import { test } from "node:test";
import { sanitizeDeep, sanitizeText } from "@/lib/analysis/sanitize-text";

test("control characters go, tab and newline stay, lone surrogates become U+FFFD", () => {
  assert.equal(sanitizeText("A\u0000B\u0007C\u001bD\u007fE\u0085F"), "ABCDEF");
  assert.equal(sanitizeText("line 1\nline\t2\r"), "line 1\nline\t2");
  assert.equal(sanitizeText("x\ud800y"), "x\ufffdy");
  assert.equal(sanitizeText("Ünïcødé 🚀"), "Ünïcødé 🚀");
});

test("nested plain data is sanitised, keys included; other values untouched", () => {
  const date = new Date(0);
  const bytes = Buffer.from("\u0000");
  const out = sanitizeDeep({ "k\u0000ey": ["a\u0000", { b: "c\u0001" }], n: 1, t: true, z: null, date, bytes });
  assert.deepEqual(out, { key: ["a", { b: "c" }], n: 1, t: true, z: null, date, bytes });
  assert.equal(out.date, date);
});
