import assert from "node:assert/strict";
import { test } from "node:test";

// Before env() reads it: the receipts' key derives from AUTH_SECRET.
process.env.AUTH_SECRET ??= "unit-test-auth-secret-0123456789abcdefghij";
const { mintReceipt, reachedLastByte, readReceipt } = await import("@/lib/download/offload-receipt");

const input = {
  user: { id: "00000000-0000-4000-8000-000000000001", email: "a@example.com" },
  appId: "00000000-0000-4000-8000-000000000002",
  buildId: "00000000-0000-4000-8000-000000000003",
  size: 1000,
  context: { ip: "192.0.2.1", userAgent: "com.apple.appstored/1.0" },
  range: null,
};

test("a receipt reads back as minted; each has its own id", () => {
  const receipt = readReceipt(mintReceipt(input));
  assert.ok(receipt);
  assert.equal(receipt.buildId, input.buildId);
  assert.equal(receipt.size, 1000);
  assert.deepEqual(receipt.user, input.user);
  assert.notEqual(readReceipt(mintReceipt(input))?.id, receipt.id);
});

test("a receipt changed, unsigned or expired is refused", () => {
  const value = mintReceipt(input);
  const [payload, mac] = value.split(".") as [string, string];
  const changed = Buffer.from(
    JSON.stringify({ ...JSON.parse(Buffer.from(payload, "base64url").toString()), size: 1 }),
  ).toString("base64url");
  assert.equal(readReceipt(`${changed}.${mac}`), null);
  assert.equal(readReceipt(payload), null);
  assert.equal(readReceipt(`${payload}.${mac}.x`), null);
  assert.equal(readReceipt(""), null);
  assert.ok(readReceipt(value, Date.now() + 11 * 3_600_000));
  assert.equal(readReceipt(value, Date.now() + 13 * 3_600_000), null);
});

test("a transfer counts when it sent every byte up to the file's last, as the direct path counts it", () => {
  const ok = { completion: "OK", status: "200", bytesSent: "1000", contentRange: "" };
  assert.equal(reachedLastByte(ok, 1000), true);
  assert.equal(reachedLastByte({ ...ok, completion: "" }, 1000), false, "aborted");
  assert.equal(reachedLastByte({ ...ok, bytesSent: "999" }, 1000), false);
  assert.equal(reachedLastByte({ ...ok, bytesSent: "0" }, 1000), false, "HEAD");
  assert.equal(reachedLastByte({ ...ok, status: "304", bytesSent: "0" }, 1000), false);
  const resumed = { completion: "OK", status: "206", bytesSent: "900", contentRange: "bytes 100-999/1000" };
  assert.equal(reachedLastByte(resumed, 1000), true, "a resumed download's last range");
  assert.equal(reachedLastByte({ ...resumed, contentRange: "bytes 0-99/1000", bytesSent: "100" }, 1000), false);
  assert.equal(reachedLastByte({ ...resumed, bytesSent: "899" }, 1000), false);
  assert.equal(reachedLastByte({ ...resumed, contentRange: "bytes 100-999/2000" }, 1000), false);
  assert.equal(reachedLastByte({ ...resumed, contentRange: "" }, 1000), false);
});
