/**
 * Upload hardening (issue 10) against the real server: every upload gets an
 * answer (413 over the limit, 507 on a full disk), stalled and vanished clients
 * free their socket and temporary file, a failed commit leaves no orphan file,
 * rights are checked before de-duplication, many-entry archives are refused
 * cheaply.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { createToken, createUser, type FerryServer, startFerry } from "./helpers/ferry-server";
import { generateIpa } from "./helpers/generate-ipa";
import { processTreeRss } from "./helpers/process-rss";
import { queryDatabase } from "./helpers/test-database";

type UploadJson = {
  build?: { id: string; appId: string; name: string; sha256: string };
  error?: { code: string; message: string };
};

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-hardening-"));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 50 ms until it holds or `ms` pass; returns whether it held. */
async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (let i = 0; i < 10_000 && Date.now() < deadline; i++) {
    if (check()) return true;
    await sleep(50);
  }
  return check();
}

function listDir(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).map(String).sort() : [];
}

function storedFiles(server: FerryServer): string[] {
  return [...listDir(path.join(server.dataDir, "builds")), ...listDir(path.join(server.dataDir, "icons"))].filter(
    (name) => /\.(ipa|png|tmp)$/.test(name),
  );
}

async function post(server: FerryServer, token: string, body: BodyInit, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.baseUrl}/api/v1/builds`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, ...headers },
    body,
    duplex: "half",
    signal: AbortSignal.timeout(30_000),
  } as RequestInit);
  return { status: res.status, json: (await res.json()) as UploadJson };
}

const BOUNDARY = "----ferry-hardening-boundary";

/** A multipart body sent chunked (no Content-Length), the file streamed in 64 KiB pieces. */
async function* chunkedMultipart(file: string): AsyncIterable<Uint8Array> {
  yield Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="app.ipa"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 64 * 1024 })) yield chunk as Buffer;
  yield Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
}

/** Opens a raw connection and sends the head of an upload plus `bodyBytes` of its body, then nothing. */
async function startRawUpload(
  server: FerryServer,
  token: string,
  mode: "raw" | "multipart",
  declaredLength: number,
  bodyBytes: number,
): Promise<net.Socket> {
  const url = new URL(server.baseUrl);
  const socket = net.connect(Number(url.port), url.hostname);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  socket.on("error", () => {});
  const contentType = mode === "raw" ? "application/octet-stream" : `multipart/form-data; boundary=${BOUNDARY}`;
  socket.write(
    `POST /api/v1/builds HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${token}\r\nContent-Type: ${contentType}\r\nContent-Length: ${declaredLength}\r\n\r\n`,
  );
  if (mode === "multipart") {
    socket.write(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="app.ipa"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    );
  }
  socket.write(Buffer.alloc(bodyBytes, 7));
  return socket;
}

function partFiles(server: FerryServer): string[] {
  return listDir(path.join(server.dataDir, "tmp")).filter((n) => n.endsWith(".part"));
}

/** Uploads a small .ipa in 5 pieces 1 s apart: slower than the 2 s idle timeout in all, never idle that long. */
async function slowUpload(server: FerryServer, token: string, mode: "raw" | "multipart") {
  const file = path.join(scratch, `slow-${mode}.ipa`);
  await generateIpa(file, {
    bundleId: `com.example.slow${mode}`,
    version: "1",
    buildNumber: "1",
    name: "Slow",
    padBytes: 64 * 1024,
  });
  const bytes = fs.readFileSync(file);
  const head = Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="app.ipa"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const whole = mode === "raw" ? bytes : Buffer.concat([head, bytes, Buffer.from(`\r\n--${BOUNDARY}--\r\n`)]);
  async function* trickle(): AsyncIterable<Uint8Array> {
    const piece = Math.ceil(whole.length / 5);
    for (let at = 0; at < whole.length; at += piece) {
      if (at > 0) await sleep(1_000);
      yield whole.subarray(at, at + piece);
    }
  }
  const contentType = mode === "raw" ? "application/octet-stream" : `multipart/form-data; boundary=${BOUNDARY}`;
  return post(server, token, trickle() as unknown as BodyInit, { "content-type": contentType });
}

describe("limits, idle clients and commit failures", () => {
  let server: FerryServer;
  let token: string;
  let bigFile: string;

  before(async () => {
    server = await startFerry({ env: { MAX_UPLOAD_SIZE: "2MB", UPLOAD_IDLE_TIMEOUT: "2s" } });
    token = await createToken(server);
    bigFile = path.join(scratch, "big.ipa");
    await generateIpa(bigFile, {
      bundleId: "com.example.big",
      version: "1",
      buildNumber: "1",
      name: "Big",
      padBytes: 5 << 20,
    });
    // Load the upload route once so timings below measure the upload only.
    await fetch(`${server.baseUrl}/api/v1/builds`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
  });
  after(async () => server?.stop());

  test("a chunked multipart body over the limit gets 413 promptly", async () => {
    const started = Date.now();
    const { status, json } = await post(server, token, chunkedMultipart(bigFile) as unknown as BodyInit, {
      "content-type": `multipart/form-data; boundary=${BOUNDARY}`,
    });
    assert.equal(status, 413, JSON.stringify(json));
    assert.equal(json.error?.code, "payload_too_large");
    assert.ok(Date.now() - started < 10_000, `answered in ${Date.now() - started} ms`);
    assert.ok(await waitFor(() => partFiles(server).length === 0, 2_000), "temporary file removed");
  });

  for (const mode of ["raw", "multipart"] as const) {
    test(`a stalled ${mode} upload is closed after the idle timeout and its .part removed`, async () => {
      const socket = await startRawUpload(server, token, mode, 1_500_000, 256 * 1024);
      let closed = false;
      socket.on("close", () => {
        closed = true;
      });
      // Meanwhile a slow but moving upload (never idle for 2 s, 4+ s in all) must still succeed.
      const slow = slowUpload(server, token, mode);
      try {
        assert.ok(await waitFor(() => partFiles(server).length > 0, 5_000), "the upload started");
        // UPLOAD_IDLE_TIMEOUT is 2 s: generous bound for a loaded machine.
        assert.ok(await waitFor(() => closed, 12_000), "the server closed the idle connection");
        const { status, json } = await slow;
        assert.equal(status, 201, JSON.stringify(json));
        assert.ok(await waitFor(() => partFiles(server).length === 0, 3_000), `left ${partFiles(server)}`);
      } finally {
        socket.destroy();
      }
    });
  }

  test("a NUL in an Info.plist string is stored sanitised, nothing orphaned", async () => {
    const file = path.join(scratch, "nul.ipa");
    await generateIpa(file, {
      bundleId: "com.example.nul",
      version: "1.0",
      buildNumber: "7",
      name: "Nul",
      displayName: "Bad\u0000Name\u0007!",
      infoPlist: "binary",
      infoPlistExtra: { DTSDKName: "iphoneos\u0000" },
      padBytes: 0,
    });
    const { status, json } = await post(server, token, fs.readFileSync(file), {
      "content-type": "application/octet-stream",
    });
    assert.equal(status, 201, JSON.stringify(json));
    assert.equal(json.build?.name, "BadName!");
    const [row] = await queryDatabase<{ name: string; sdk: string }>(
      server.databaseUrl,
      "SELECT name, metadata->'ipa'->>'sdkName' AS sdk FROM builds WHERE id = $1",
      [json.build!.id],
    );
    assert.deepEqual(row, { name: "BadName!", sdk: "iphoneos" });
    assert.deepEqual(partFiles(server), []);
  });

  test("a database failure after the move leaves no file in builds/ or icons/", async () => {
    const before = storedFiles(server);
    await queryDatabase(
      server.databaseUrl,
      `CREATE FUNCTION refuse_build() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$;
       CREATE TRIGGER refuse_build BEFORE INSERT ON builds FOR EACH ROW EXECUTE FUNCTION refuse_build();`,
    );
    try {
      const file = path.join(scratch, "fail.ipa");
      await generateIpa(file, {
        bundleId: "com.example.fail",
        version: "1",
        buildNumber: "1",
        name: "Fail",
        padBytes: 1024,
      });
      const { status, json } = await post(server, token, fs.readFileSync(file), {
        "content-type": "application/octet-stream",
      });
      assert.equal(status, 500, JSON.stringify(json));
      assert.deepEqual(storedFiles(server), before);
      assert.deepEqual(partFiles(server), []);
    } finally {
      await queryDatabase(server.databaseUrl, "DROP TRIGGER refuse_build ON builds; DROP FUNCTION refuse_build();");
    }
  });

  test("re-sending a visible build's bytes needs the right to publish to its app", async () => {
    const file = path.join(scratch, "dedup.ipa");
    await generateIpa(file, {
      bundleId: "com.example.dedup",
      version: "1",
      buildNumber: "1",
      name: "Dedup",
      padBytes: 1024,
    });
    const first = await post(server, token, fs.readFileSync(file), { "content-type": "application/octet-stream" });
    assert.equal(first.status, 201, JSON.stringify(first.json));
    const appId = first.json.build!.appId;
    // Everyone may see (and install) the app; the uploader is granted nothing.
    await queryDatabase(server.databaseUrl, "UPDATE apps SET visibility = 'everyone' WHERE id = $1", [appId]);
    await createUser(server, { email: "up@example.com", password: "uploader-pw-1", role: "uploader" });
    const uploaderToken = await createToken(server, "up@example.com");

    const withTarget = await fetch(`${server.baseUrl}/api/v1/builds?appId=${appId}`, {
      method: "POST",
      headers: { authorization: `Bearer ${uploaderToken}`, "content-type": "application/octet-stream" },
      body: fs.readFileSync(file),
    });
    assert.equal(withTarget.status, 403, await withTarget.text());

    const noTarget = await post(server, uploaderToken, fs.readFileSync(file), {
      "content-type": "application/octet-stream",
    });
    assert.equal(noTarget.status, 403, JSON.stringify(noTarget.json));
    assert.equal(noTarget.json.error?.code, "forbidden");
  });

  test("a many-entry archive is refused quickly with archive_too_complex and memory stays bounded", async () => {
    const many = path.join(scratch, "many.ipa");
    const extraFiles = Array.from({ length: 120_000 }, (_, i) => ({ path: `Payload/Many.app/r/f${i}.txt`, data: "" }));
    const { size } = await generateIpa(many, {
      bundleId: "com.example.many",
      version: "1",
      buildNumber: "1",
      name: "Many",
      padBytes: 0,
      extraFiles,
    });
    // Same number of bytes, few entries: the time an ordinary upload of that size takes here.
    const plain = path.join(scratch, "plain.ipa");
    await generateIpa(plain, {
      bundleId: "com.example.plain",
      version: "1",
      buildNumber: "1",
      name: "Plain",
      padBytes: size,
    });
    const big = await startFerry({ env: { UPLOAD_IDLE_TIMEOUT: "30s" } });
    try {
      const bigToken = await createToken(big);
      const send = async (file: string) => {
        const started = Date.now();
        const result = await post(big, bigToken, fs.createReadStream(file) as unknown as BodyInit, {
          "content-type": "application/octet-stream",
        });
        return { ...result, ms: Date.now() - started };
      };
      const baseline = await send(plain);
      assert.equal(baseline.status, 201, JSON.stringify(baseline.json));
      const rssBefore = processTreeRss(big.pid);
      const refused = await send(many);
      assert.equal(refused.status, 422, JSON.stringify(refused.json));
      assert.equal(refused.json.error?.code, "archive_too_complex");
      assert.ok(refused.ms < baseline.ms * 3 + 500, `refused in ${refused.ms} ms, plain upload took ${baseline.ms} ms`);
      const rssAfter = processTreeRss(big.pid);
      assert.ok(rssAfter < rssBefore * 1.25, `server RSS ${rssBefore >> 20} → ${rssAfter >> 20} MiB`);
    } finally {
      await big.stop();
    }
  });
});

describe("clients that go away, and a full disk", () => {
  let server: FerryServer;
  let token: string;
  let mountPoint: string | null = null;
  let skipReason: string | null = null;

  before(async () => {
    const dir = path.join(scratch, "tmpfs");
    fs.mkdirSync(dir);
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=8m", "tmpfs", dir], { stdio: "pipe" });
      mountPoint = dir;
    } catch (error) {
      skipReason = `cannot mount a tmpfs to fill the disk (${(error as Error).message.split("\n")[0]})`;
    }
    server = await startFerry({ dataDir: mountPoint ?? fs.mkdtempSync(path.join(scratch, "data-")) });
    token = await createToken(server);
  });
  after(async () => {
    await server?.stop();
    if (mountPoint) execFileSync("umount", [mountPoint]);
  });

  test("clients that disconnect mid-upload (raw and multipart) leave no .part behind, promptly", async () => {
    for (const mode of ["raw", "multipart"] as const) {
      const socket = await startRawUpload(server, token, mode, 3_000_000, 512 * 1024);
      assert.ok(await waitFor(() => partFiles(server).length > 0, 5_000), `${mode}: the upload started`);
      socket.destroy();
      // Well under the default 60 s idle timeout: this is the disconnect itself being noticed.
      assert.ok(await waitFor(() => partFiles(server).length === 0, 5_000), `${mode}: left ${partFiles(server)}`);
    }
  });

  for (const mode of ["raw", "multipart"] as const) {
    test(`disk full during a ${mode} upload → 507 insufficient_storage, nothing left behind`, async (t) => {
      if (skipReason) {
        t.skip(skipReason);
        return;
      }
      const file = path.join(scratch, `full-${mode}.ipa`);
      await generateIpa(file, {
        bundleId: `com.example.full${mode}`,
        version: "1",
        buildNumber: "1",
        name: "Full",
        padBytes: 12 << 20,
      });
      let body: BodyInit;
      const headers: Record<string, string> = {};
      if (mode === "raw") {
        body = fs.createReadStream(file) as unknown as BodyInit;
        headers["content-type"] = "application/octet-stream";
      } else {
        const form = new FormData();
        form.append("file", await fs.openAsBlob(file), "full.ipa");
        body = form;
      }
      const { status, json } = await post(server, token, body, headers);
      assert.equal(status, 507, JSON.stringify(json));
      assert.equal(json.error?.code, "insufficient_storage");
      assert.ok(await waitFor(() => partFiles(server).length === 0, 3_000), `left ${partFiles(server)}`);
      assert.deepEqual(storedFiles(server), []);
    });
  }
});
