import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { type FileResponseOptions, fileResponse } from "@/lib/download/file-response";
import { openFdCount } from "@/tests/helpers/open-descriptors";

const SIZE = 100_000;
const BIG_SIZE = 8 * 1024 * 1024;
const ETAG = "3f2a9c";
const LAST_MODIFIED = new Date("2025-03-04T05:06:07.890Z");
const URL_ = "https://ferry.example.com/d/token/app.ipa";

let dir = "";
let filePath = "";
let bigPath = "";
let emptyPath = "";
let content = Buffer.alloc(0);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "ferry-file-response-"));
  content = randomBytes(SIZE);
  filePath = join(dir, "app.ipa");
  bigPath = join(dir, "big.ipa");
  emptyPath = join(dir, "empty.ipa");
  await writeFile(filePath, content);
  await writeFile(bigPath, randomBytes(BIG_SIZE));
  await writeFile(emptyPath, Buffer.alloc(0));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function respond(
  requestInit: RequestInit & { headers?: Record<string, string> } = {},
  overrides: Partial<FileResponseOptions> = {},
): Response {
  return fileResponse({
    request: new Request(URL_, requestInit),
    filePath,
    size: SIZE,
    etag: ETAG,
    contentType: "application/octet-stream",
    lastModified: LAST_MODIFIED,
    ...overrides,
  });
}

async function bodyBytes(response: Response): Promise<Buffer> {
  return Buffer.from(await response.arrayBuffer());
}

/** Open descriptors of this process (Linux); null where /proc is unavailable. */
async function waitForFdCount(file: string, expected: number): Promise<number | null> {
  for (let i = 0; i < 50; i++) {
    const count = openFdCount(file);
    if (count === null || count <= expected) return count;
    await sleep(10);
  }
  return openFdCount(file);
}

describe("fileResponse", () => {
  it("serves the whole file with the expected headers", async () => {
    const response = respond(
      { headers: { "x-ignored": "1" } },
      { extraHeaders: { "Content-Disposition": "attachment" } },
    );
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "application/octet-stream");
    assert.equal(response.headers.get("content-length"), String(SIZE));
    assert.equal(response.headers.get("etag"), `"${ETAG}"`);
    assert.equal(response.headers.get("accept-ranges"), "bytes");
    assert.equal(response.headers.get("cache-control"), "private, no-store, no-transform");
    assert.equal(response.headers.get("last-modified"), "Tue, 04 Mar 2025 05:06:07 GMT");
    assert.equal(response.headers.get("content-disposition"), "attachment");
    assert.equal(response.headers.get("content-range"), null);
    assert.deepEqual(await bodyBytes(response), content);
  });

  it("lets extra headers override defaults and accepts a pre-quoted etag", () => {
    const response = respond({}, { etag: `"${ETAG}"`, extraHeaders: [["Cache-Control", "no-store"]] });
    assert.equal(response.headers.get("etag"), `"${ETAG}"`);
    assert.equal(response.headers.get("cache-control"), "no-store");
    void response.body?.cancel();
  });

  it("answers HEAD with the same headers and no body, without opening the file", async () => {
    const response = respond({ method: "HEAD" }, { filePath: join(dir, "does-not-exist") });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-length"), String(SIZE));
    assert.equal(response.headers.get("etag"), `"${ETAG}"`);
    assert.equal(response.headers.get("accept-ranges"), "bytes");
    assert.equal(response.body, null);
  });

  it("ignores Range on HEAD (range handling is defined for GET only)", () => {
    const response = respond({ method: "HEAD", headers: { range: "bytes=0-0" } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-length"), String(SIZE));
    assert.equal(response.body, null);
  });

  const rangeCases: Array<[string, string, number, number]> = [
    ["first byte", "bytes=0-0", 0, 0],
    ["last byte", `bytes=${SIZE - 1}-${SIZE - 1}`, SIZE - 1, SIZE - 1],
    ["suffix", "bytes=-500", SIZE - 500, SIZE - 1],
    ["open-ended", "bytes=12345-", 12345, SIZE - 1],
    ["middle", "bytes=1000-70000", 1000, 70000],
    ["end past size (clamped)", "bytes=99990-200000", 99990, SIZE - 1],
    ["whole file as a range", "bytes=0-", 0, SIZE - 1],
  ];
  for (const [label, header, start, end] of rangeCases) {
    it(`serves a ${label} range`, async () => {
      const response = respond({ headers: { range: header } });
      assert.equal(response.status, 206);
      assert.equal(response.headers.get("content-range"), `bytes ${start}-${end}/${SIZE}`);
      assert.equal(response.headers.get("content-length"), String(end - start + 1));
      assert.equal(response.headers.get("content-type"), "application/octet-stream");
      assert.deepEqual(await bodyBytes(response), content.subarray(start, end + 1));
    });
  }

  it("serves the full body for a multi-range request", async () => {
    const response = respond({ headers: { range: "bytes=0-1,5-6" } });
    assert.equal(response.status, 200);
    assert.deepEqual(await bodyBytes(response), content);
  });

  it("answers an unsatisfiable range with 416 without opening the file", async () => {
    const response = respond({ headers: { range: `bytes=${SIZE}-` } }, { filePath: join(dir, "does-not-exist") });
    assert.equal(response.status, 416);
    assert.equal(response.headers.get("content-range"), `bytes */${SIZE}`);
    assert.equal((await bodyBytes(response)).length, 0);
  });

  it("honours Range when If-Range matches the etag or the date", async () => {
    for (const ifRange of [`"${ETAG}"`, LAST_MODIFIED.toUTCString()]) {
      const response = respond({ headers: { range: "bytes=10-19", "if-range": ifRange } });
      assert.equal(response.status, 206, ifRange);
      assert.deepEqual(await bodyBytes(response), content.subarray(10, 20));
    }
  });

  it("ignores Range when If-Range does not match", async () => {
    for (const ifRange of ['"stale"', `W/"${ETAG}"`, "Mon, 01 Jan 2024 00:00:00 GMT", "garbage"]) {
      const response = respond({ headers: { range: "bytes=10-19", "if-range": ifRange } });
      assert.equal(response.status, 200, ifRange);
      assert.equal(response.headers.get("content-range"), null);
      assert.deepEqual(await bodyBytes(response), content);
    }
  });

  it("answers a matching If-None-Match with 304 and no body", async () => {
    for (const ifNoneMatch of [`"${ETAG}"`, `W/"${ETAG}"`, `"other", "${ETAG}"`, "*"]) {
      const response = respond({ headers: { "if-none-match": ifNoneMatch, range: "bytes=0-0" } });
      assert.equal(response.status, 304, ifNoneMatch);
      assert.equal(response.headers.get("etag"), `"${ETAG}"`);
      assert.equal(response.body, null);
    }
  });

  it("serves normally when If-None-Match does not match", async () => {
    const response = respond({ headers: { "if-none-match": '"other"' } });
    assert.equal(response.status, 200);
    assert.deepEqual(await bodyBytes(response), content);
  });

  it("uses If-Modified-Since only without If-None-Match", async () => {
    const fresh = respond({ headers: { "if-modified-since": LAST_MODIFIED.toUTCString() } });
    assert.equal(fresh.status, 304);
    const stale = respond({ headers: { "if-modified-since": "Mon, 01 Jan 2024 00:00:00 GMT" } });
    assert.equal(stale.status, 200);
    await stale.body?.cancel();
    const overridden = respond({
      headers: { "if-modified-since": LAST_MODIFIED.toUTCString(), "if-none-match": '"other"' },
    });
    assert.equal(overridden.status, 200);
    await overridden.body?.cancel();
  });

  it("serves an empty file", async () => {
    const full = respond({}, { filePath: emptyPath, size: 0 });
    assert.equal(full.status, 200);
    assert.equal(full.headers.get("content-length"), "0");
    assert.equal((await bodyBytes(full)).length, 0);
    const range = respond({ headers: { range: "bytes=0-" } }, { filePath: emptyPath, size: 0 });
    assert.equal(range.status, 416);
    assert.equal(range.headers.get("content-range"), "bytes */0");
  });

  it("streams in bounded chunks and closes the file when the client cancels", async (t) => {
    const baseline = openFdCount(bigPath);
    if (baseline === null) {
      t.skip("/proc/self/fd is not available");
      return;
    }
    const response = respond({}, { filePath: bigPath, size: BIG_SIZE });
    const reader = response.body?.getReader();
    assert.ok(reader);
    const first = await reader.read();
    assert.equal(first.done, false);
    assert.ok((first.value?.byteLength ?? 0) < BIG_SIZE, "the file is not read in one piece");
    assert.equal(openFdCount(bigPath), baseline + 1, "the file is open while streaming");

    await reader.cancel();
    assert.equal(await waitForFdCount(bigPath, baseline), baseline, "cancel closes the file");
  });

  it("closes the file when the request is aborted", async (t) => {
    const baseline = openFdCount(bigPath);
    if (baseline === null) {
      t.skip("/proc/self/fd is not available");
      return;
    }
    const controller = new AbortController();
    const response = respond({ signal: controller.signal }, { filePath: bigPath, size: BIG_SIZE });
    const reader = response.body?.getReader();
    assert.ok(reader);
    await reader.read();
    assert.equal(openFdCount(bigPath), baseline + 1);

    controller.abort();
    assert.equal(await waitForFdCount(bigPath, baseline), baseline, "abort closes the file");
    await assert.rejects(async () => {
      for (;;) {
        const { done } = await reader.read();
        if (done) break;
      }
    });
  });

  it("calls onComplete once the whole file was read, not for a cancelled or partial transfer", async () => {
    const calls: string[] = [];
    const full = respond({}, { onComplete: () => void calls.push("full") });
    assert.equal(calls.length, 0, "not before the body is read");
    assert.equal(Buffer.from(await full.arrayBuffer()).equals(content), true);
    assert.deepEqual(calls, ["full"]);

    const cancelled = respond(
      {},
      { filePath: bigPath, size: BIG_SIZE, onComplete: () => void calls.push("cancelled") },
    );
    const reader = cancelled.body?.getReader();
    assert.ok(reader);
    await reader.read();
    await reader.cancel();

    // A range that stops short of the end is not a completed download; the last range of a resumed one is.
    await respond(
      { headers: { range: "bytes=0-99" } },
      { onComplete: () => void calls.push("head-range") },
    ).arrayBuffer();
    await respond(
      { headers: { range: `bytes=${SIZE - 100}-` } },
      { onComplete: () => void calls.push("tail-range") },
    ).arrayBuffer();
    respond({ method: "HEAD" }, { onComplete: () => void calls.push("head") });
    assert.deepEqual(calls, ["full", "tail-range"]);
  });

  it("reads the full big file correctly", async () => {
    const response = respond(
      { headers: { range: `bytes=${BIG_SIZE - 300_000}-` } },
      { filePath: bigPath, size: BIG_SIZE },
    );
    assert.equal(response.status, 206);
    assert.equal((await bodyBytes(response)).length, 300_000);
  });

  it("rejects an invalid etag", () => {
    assert.throws(() => respond({}, { etag: 'a"b' }), RangeError);
    assert.throws(() => respond({}, { etag: "" }), RangeError);
    assert.throws(() => respond({}, { etag: 'W/"x"' }), RangeError);
  });
});
