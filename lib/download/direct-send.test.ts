import assert from "node:assert/strict";
import { test } from "node:test";
import { chunkBytesFor, DIRECT_SEND_MAX_CHUNK } from "@/lib/download/direct-send";

test("buffers are large for a few downloads and shrink as more run at once, within bounds", () => {
  assert.equal(chunkBytesFor(1), DIRECT_SEND_MAX_CHUNK);
  assert.equal(chunkBytesFor(16), DIRECT_SEND_MAX_CHUNK);
  assert.equal(chunkBytesFor(17), DIRECT_SEND_MAX_CHUNK / 2);
  assert.equal(chunkBytesFor(100), 128 * 1024);
  assert.equal(chunkBytesFor(10_000), 128 * 1024);
  // All of 100 downloads started one after another: about 100 MiB of buffers, not 100 × 2 MiB.
  const total = Array.from({ length: 100 }, (_, i) => 2 * chunkBytesFor(i + 1)).reduce((a, b) => a + b);
  assert.ok(total <= 100 * 1024 * 1024, `${total} bytes`);
});
