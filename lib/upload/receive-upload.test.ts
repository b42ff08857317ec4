import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { after, test } from "node:test";
import { isAppError } from "@/lib/errors";
import { runWithServerRequest } from "@/lib/http/server-request";
import { takeRawRequestBody } from "@/lib/upload/raw-request-body";
import { discardTempFile, receiveToTempFile } from "@/lib/upload/receive-upload";
import { openFdCount } from "@/tests/helpers/open-descriptors";

const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-receive-"));
after(() => fs.rmSync(tmpDir, { recursive: true, force: true }));

/** 64 KiB pieces like a socket delivers, yielded asynchronously. */
function pieces(data: Buffer, size = 64 * 1024): Readable {
  return Readable.from(
    (async function* () {
      for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
    })(),
  );
}

test("a body larger than several write batches and sync intervals arrives byte-identical with its SHA-256", async () => {
  // Not a multiple of the chunk size: the last write is a short remainder.
  const data = randomBytes(70 * 1024 * 1024 + 12_345);
  const file = await receiveToTempFile(pieces(data), { tmpDir, maxBytes: data.length });
  try {
    // Every byte is readable at once (analysis runs meanwhile); the file is closed once durable.
    assert.ok(fs.readFileSync(file.path).equals(data));
    assert.equal(file.size, data.length);
    assert.equal(file.sha256, createHash("sha256").update(data).digest("hex"));
    await file.durable;
    assert.equal(openFdCount(file.path), 0, "the fsynced file is closed");
    assert.ok(fs.readFileSync(file.path).equals(data));
  } finally {
    await discardTempFile(file.path);
  }
});

test("over the limit: payload_too_large, the source left paused and undestroyed, no file left", async () => {
  const source = pieces(randomBytes(3 * 1024 * 1024));
  await assert.rejects(
    receiveToTempFile(source, { tmpDir, maxBytes: 1024 * 1024 }),
    (error: unknown) => isAppError(error) && error.code === "payload_too_large",
  );
  assert.equal(source.destroyed, false);
  assert.equal(source.isPaused(), true);
  assert.deepEqual(fs.readdirSync(tmpDir), []);
});

test("a source that fails midway rejects with its error and leaves no file", async () => {
  const source = Readable.from(
    (async function* () {
      yield randomBytes(5 * 1024 * 1024);
      throw new Error("client vanished");
    })(),
  );
  await assert.rejects(receiveToTempFile(source, { tmpDir, maxBytes: 1 << 30 }), /client vanished/);
  assert.deepEqual(fs.readdirSync(tmpDir), []);
});

test("an empty body is empty_body", async () => {
  await assert.rejects(
    receiveToTempFile(Readable.from([]), { tmpDir, maxBytes: 1024 }),
    (error: unknown) => isAppError(error) && error.code === "empty_body",
  );
  assert.deepEqual(fs.readdirSync(tmpDir), []);
});

test("the server's IncomingMessage is handed to the request's own handler once, across awaits, and to no one else", async () => {
  const seen: { first: boolean; second: boolean; body: string }[] = [];
  const server = http.createServer((req, res) => {
    void runWithServerRequest(req, res, async () => {
      await new Promise((r) => setTimeout(r, 5));
      const raw = takeRawRequestBody();
      const again = takeRawRequestBody();
      let body = "";
      if (raw) for await (const chunk of raw) body += chunk;
      seen.push({ first: raw === req, second: again === null, body });
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const { port } = server.address() as { port: number };
    const bodies = ["one", "two", "three"];
    await Promise.all(
      bodies.map((body) => fetch(`http://127.0.0.1:${port}/`, { method: "POST", body }).then((r) => r.text())),
    );
    assert.deepEqual(seen.map((s) => s.body).sort(), [...bodies].sort());
    assert.ok(seen.every((s) => s.first && s.second));
    // Outside a request's context there is nothing to take.
    assert.equal(takeRawRequestBody(), null);
  } finally {
    server.close();
  }
});
