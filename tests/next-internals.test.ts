/**
 * The Next.js internals Ferry's server leans on (docs/upgrading.md), checked
 * through `npm start`'s compiled launcher, whose copy of lib/ is a separate
 * bundle from Next's: the per-request context handoff (lib/http/server-request.ts,
 * found through globalThis by the route handlers), uploads reading Node's own
 * request stream, downloads whose empty Response end is taken over to send the
 * body (lib/download/direct-send.ts) and the restored Content-Length
 * (lib/http/restore-content-length.ts). A Next.js upgrade that stops passing
 * the async context on makes route handlers fall back to web streams silently;
 * the server then logs CONTEXT_LOST_WARNING (lib/http/server-request.test.ts),
 * which fails this test.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { CONTEXT_LOST_WARNING } from "@/lib/http/server-request";
import { signInstallToken } from "@/lib/install-links/install-token";
import { createToken, type FerryServer, startFerry } from "./helpers/ferry-server";
import { generateIpa } from "./helpers/generate-ipa";
import { queryDatabase } from "./helpers/test-database";

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-internals-"));
let server: FerryServer;
let ipa: string;
let sha256: string;

before(async () => {
  ipa = path.join(scratch, "internals.ipa");
  await generateIpa(ipa, {
    bundleId: "com.example.internals",
    version: "1.0",
    buildNumber: "1",
    name: "Internals",
    padBytes: 3 * 1024 * 1024,
  });
  sha256 = createHash("sha256").update(fs.readFileSync(ipa)).digest("hex");
  server = await startFerry({ launcher: "compiled", dataDir: path.join(scratch, "data") });
});

after(async () => {
  await server?.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
});

test("uploads and downloads go through Ferry's server with the request context Next.js passed on", async () => {
  const apiToken = await createToken(server);
  // A raw upload: the route reads Node's own request stream (lib/upload/raw-request-body.ts).
  const res = await fetch(`${server.baseUrl}/api/v1/builds`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiToken}`, "content-type": "application/octet-stream" },
    body: fs.createReadStream(ipa) as unknown as BodyInit,
    duplex: "half",
  } as RequestInit);
  assert.equal(res.status, 201, await res.clone().text());
  const { build } = (await res.json()) as { build: { id: string; sha256: string; sizeBytes: number } };
  assert.equal(build.sha256, sha256);

  const [admin] = await queryDatabase<{ id: string; session_version: number }>(
    server.databaseUrl,
    "SELECT id, session_version FROM users WHERE email = $1",
    [server.admin.email],
  );
  assert.ok(admin);
  const token = signInstallToken(
    {
      buildId: build.id,
      userId: admin.id,
      userVersion: admin.session_version,
      expiresAt: new Date(Date.now() + 3.6e6),
    },
    server.authSecret,
  );
  const ipaUrl = `${server.baseUrl}/d/${token}/app.ipa`;

  // Next.js strips Content-Length from route handlers; Ferry's server puts it back (HEAD and GET).
  const head = await fetch(ipaUrl, { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get("content-length"), String(build.sizeBytes));
  // The body is written by direct send after Next.js ends the empty Response.
  const full = await fetch(ipaUrl);
  assert.equal(full.status, 200);
  assert.equal(full.headers.get("content-length"), String(build.sizeBytes));
  assert.equal(
    createHash("sha256")
      .update(Buffer.from(await full.arrayBuffer()))
      .digest("hex"),
    sha256,
  );
  const range = await fetch(ipaUrl, { headers: { range: "bytes=100-1099" } });
  assert.equal(range.status, 206);
  assert.equal(range.headers.get("content-length"), "1000");
  assert.deepEqual(Buffer.from(await range.arrayBuffer()), fs.readFileSync(ipa).subarray(100, 1100));

  assert.ok(server.output().includes("Ferry is listening"));
  assert.ok(!server.output().includes(CONTEXT_LOST_WARNING), server.output());
});
