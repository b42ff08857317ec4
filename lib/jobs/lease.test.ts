/** The shared backoff and failure decision of every queue, and the in-process claim loop (no database). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { afterFailure, backoffSeconds, createClaimLoop } from "@/lib/jobs/lease";

test("backoff doubles from the base and stops at the cap", () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5].map((n) => backoffSeconds(n, 60, 3600)),
    [60, 120, 240, 480, 960],
  );
  assert.equal(backoffSeconds(30, 60, 3600), 3600);
  assert.equal(backoffSeconds(0, 30, 3600), 30, "a first attempt waits the base");
});

test("a failure is retried while attempts remain and retrying can help", () => {
  const base = { maxAttempts: 3, baseSeconds: 10, capSeconds: 100 };
  assert.deepEqual(afterFailure({ ...base, attempts: 1 }), { retry: true, delaySeconds: 10 });
  assert.deepEqual(afterFailure({ ...base, attempts: 2 }), { retry: true, delaySeconds: 20 });
  assert.equal(afterFailure({ ...base, attempts: 3 }).retry, false, "the last attempt");
  assert.equal(afterFailure({ ...base, attempts: 1, retryable: false }).retry, false, "a refusal");
});

test("the claim loop keeps at most `concurrency` in flight and stops claiming when stopped", async () => {
  const queue = Array.from({ length: 5 }, (_, i) => i);
  const rooms: number[] = [];
  const releases: (() => void)[] = [];
  let inFlight = 0;
  let most = 0;
  const loop = createClaimLoop<number>({
    concurrency: 3,
    rounds: 10,
    // At most 2 per claim, like a scan that finds only some due.
    claim: async (room) => {
      rooms.push(room);
      return queue.splice(0, Math.min(room, 2));
    },
    run: async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise<void>((resolve) => releases.push(resolve));
      inFlight--;
    },
  });
  assert.equal(await loop.tick(), 2, "fewer than the room: nothing more due this tick");
  assert.equal(await loop.tick(), 1, "the room left");
  assert.equal(await loop.tick(), 0, "no room: no claim");
  assert.deepEqual(rooms, [3, 1]);
  for (const release of releases.splice(0)) release();
  await loop.settled();
  assert.equal(await loop.tick(), 2, "the last two");
  for (const release of releases.splice(0)) release();
  await loop.settled();
  assert.equal(most, 3);
  loop.stop();
  queue.push(99);
  assert.equal(await loop.tick(), 0, "stopped: claims nothing");
  assert.deepEqual(queue, [99]);
});
