/** MAX_UPLOAD_SIZE is enforced, declared or not, and stores nothing. */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { createToken, type FerryServer, startFerry } from "./helpers/ferry-server";
import { generateIpa } from "./helpers/generate-ipa";
import { queryDatabase } from "./helpers/test-database";

let server: FerryServer;
let token: string;
let file: string;

before(async () => {
  server = await startFerry({ env: { MAX_UPLOAD_SIZE: "1MB" } });
  token = await createToken(server);
  file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ferry-limit-")), "big.ipa");
  await generateIpa(file, {
    bundleId: "com.example.big",
    version: "1",
    buildNumber: "1",
    name: "Big",
    padBytes: 3 * 1024 * 1024,
  });
});

after(async () => {
  await server?.stop();
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
});

async function assertNothingStored() {
  const [row] = await queryDatabase<{ n: string }>(server.databaseUrl, "SELECT count(*) AS n FROM builds");
  assert.equal(row!.n, "0");
  const tmp = path.join(server.dataDir, "tmp");
  assert.deepEqual(fs.existsSync(tmp) ? fs.readdirSync(tmp) : [], []);
  assert.equal(fs.existsSync(path.join(server.dataDir, "builds")), false);
}

test("a body over the maximum with Content-Length gets 413", async () => {
  const res = await fetch(`${server.baseUrl}/api/v1/builds`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
    body: fs.readFileSync(file),
  });
  assert.equal(res.status, 413);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, "payload_too_large");
  await assertNothingStored();
});

test("a chunked body over the maximum gets 413 once the limit is crossed", async () => {
  const res = await fetch(`${server.baseUrl}/api/v1/builds`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
    body: fs.createReadStream(file) as unknown as BodyInit,
    duplex: "half",
  } as RequestInit);
  assert.equal(res.status, 413);
  await assertNothingStored();
});

test("a multipart body over the maximum gets 413", async () => {
  const form = new FormData();
  form.append("file", await fs.openAsBlob(file), "big.ipa");
  const res = await fetch(`${server.baseUrl}/api/v1/builds`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  assert.equal(res.status, 413);
  await assertNothingStored();
});
