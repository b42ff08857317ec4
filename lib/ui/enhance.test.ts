import assert from "node:assert/strict";
import { test } from "node:test";
import { needsFreshLink } from "@/lib/ui/enhance";

test("an install link is used as is until two minutes before it expires, then re-minted", () => {
  const expiresAt = "2026-01-02T12:00:00.000Z";
  const at = (iso: string) => Date.parse(iso);
  assert.equal(needsFreshLink(expiresAt, at("2026-01-01T12:00:00.000Z")), false);
  assert.equal(needsFreshLink(expiresAt, at("2026-01-02T11:57:59.999Z")), false);
  assert.equal(needsFreshLink(expiresAt, at("2026-01-02T11:58:00.000Z")), true);
  assert.equal(needsFreshLink(expiresAt, at("2026-01-03T00:00:00.000Z")), true);
});
