/**
 * The V8 flags scripts/launch.mjs sets at run time exist in the running Node's
 * V8: v8.setFlagsFromString ignores an unknown flag without a word, so a flag
 * renamed in a new Node major would silently stop tuning the heap. CI runs
 * this (a unit test) on every supported major.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";

test(`every V8 flag the launcher sets is known to Node ${process.versions.node} (V8 ${process.versions.v8})`, () => {
  const source = fs.readFileSync(path.join(import.meta.dirname, "launch.mjs"), "utf8");
  const flags = [...source.matchAll(/setFlagsFromString\("--(?:no-)?([a-z0-9-]+)/g)].map((m) => m[1]!);
  assert.ok(flags.length >= 3, `found ${flags.join(", ")}`);
  const known = execFileSync(process.execPath, ["--v8-options"], { encoding: "utf8", maxBuffer: 16 << 20 });
  for (const flag of flags) assert.match(known, new RegExp(`^\\s+--${flag} `, "m"), `--${flag} is unknown to this V8`);
});
