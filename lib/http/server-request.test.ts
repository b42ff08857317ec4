import assert from "node:assert/strict";
import type { IncomingMessage, ServerResponse } from "node:http";
import { test } from "node:test";
import { setImmediate as nextTick } from "node:timers/promises";
import {
  CONTEXT_LOST_WARNING,
  currentServerRequest,
  markFerryServer,
  runWithServerRequest,
} from "@/lib/http/server-request";

// The context tests/next-internals.test.ts relies on: found across awaits, and its loss said once.
test("the request context survives awaits; its loss under Ferry's server is logged once", async (t) => {
  const warnings: string[] = [];
  t.mock.method(console, "warn", (line: string) => warnings.push(line));
  assert.equal(currentServerRequest(), null, "outside Ferry's server: no context, no warning");
  assert.deepEqual(warnings, []);

  const res = { once: () => res } as unknown as ServerResponse;
  const req = {} as IncomingMessage;
  const seen = await runWithServerRequest(req, res, async () => {
    await nextTick();
    return currentServerRequest();
  });
  assert.equal(seen?.req, req);
  assert.equal(seen?.res, res);

  markFerryServer();
  assert.equal(currentServerRequest(), null);
  assert.equal(currentServerRequest(), null);
  assert.deepEqual(warnings, [CONTEXT_LOST_WARNING], "said once");
  assert.match(CONTEXT_LOST_WARNING, /docs\/upgrading\.md/);
});
