/**
 * Ferry behind a real nginx using the shipped site config (docs/nginx/ferry.conf,
 * TLS stripped for the test): uploads stream through it, and with
 * DOWNLOAD_OFFLOAD=nginx Ferry authorizes and audits a download, then answers
 * with X-Accel-Redirect and no body so nginx sends the file (GET, Range, HEAD).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { createToken, type FerryServer, freePort, startFerry } from "./helpers/ferry-server";
import { generateIpa } from "./helpers/generate-ipa";
import { type ShippedNginx, startShippedNginx } from "./helpers/nginx-site";
import { eventually, queryDatabase } from "./helpers/test-database";

let ferry: FerryServer;
let nginx: ShippedNginx | undefined;
let nginxUrl: string;
let scratch: string;
let dataDir: string;
let ipa: { sha256: string; size: number; bytes: Buffer };
let ipaPath: string;

/** The user and group nginx's workers run as, as Debian's package does: not root, so file modes matter. */
const WORKER = { user: "www-data", group: "www-data" };

/** The uid and gid of nginx's worker processes (children of the master), from /proc. */
function workerIds(masterPid: number): { uid: number; gid: number }[] {
  const ids: { uid: number; gid: number }[] = [];
  for (const pid of fs.readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    const status = (() => {
      try {
        return fs.readFileSync(`/proc/${pid}/status`, "utf8");
      } catch {
        return "";
      }
    })();
    if (Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]) !== masterPid) continue;
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
    const gid = Number(/^Gid:\s+(\d+)/m.exec(status)?.[1]);
    ids.push({ uid, gid });
  }
  return ids;
}

before(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-nginx-"));
  // nginx's workers reach their temp folders and DATA_DIR through here.
  fs.chmodSync(scratch, 0o711);
  const port = await freePort();
  nginxUrl = `http://127.0.0.1:${port}`;
  // What docs/deployment.md (*File permissions*) asks of an operator, once: DATA_DIR in the
  // web server's group, setgid so everything Ferry creates inside inherits it; closed to others.
  dataDir = path.join(scratch, "data");
  fs.mkdirSync(dataDir);
  execFileSync("chgrp", [WORKER.group, dataDir]);
  fs.chmodSync(dataDir, 0o2750);
  ferry = await startFerry({
    dataDir,
    env: {
      PUBLIC_URL: nginxUrl,
      TRUST_PROXY: "true",
      DOWNLOAD_OFFLOAD: "nginx",
      DOWNLOAD_OFFLOAD_PREFIX: "/_ferry_files/",
    },
  });
  const ferryPort = Number(new URL(ferry.baseUrl).port);
  nginx = await startShippedNginx({ scratch, port, ferryPort, dataDir: ferry.dataDir, worker: WORKER });
  let workers = workerIds(nginx.process.pid ?? 0);
  // A worker sets its group, then its user: wait until each has dropped root.
  for (let i = 0; i < 50 && (workers.length === 0 || workers.some((ids) => ids.uid === 0)); i++) {
    await new Promise((r) => setTimeout(r, 100));
    workers = workerIds(nginx.process.pid ?? 0);
  }
  assert.ok(workers.length > 0, `nginx started workers:\n${nginx.log()}`);
  assert.ok(
    workers.every((ids) => ids.uid !== 0 && ids.gid !== 0),
    `nginx's workers run unprivileged: ${JSON.stringify(workers)}`,
  );

  const file = path.join(scratch, "app.ipa");
  const generated = await generateIpa(file, {
    bundleId: "com.example.nginx",
    version: "1.0",
    buildNumber: "3",
    name: "NginxApp",
    padBytes: 12 * 1024 * 1024,
  });
  ipa = { ...generated, bytes: fs.readFileSync(file) };
  const token = await createToken(ferry);
  // The upload goes through nginx too (streamed: proxy_request_buffering off).
  const res = await fetch(`${nginxUrl}/api/v1/builds`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
    body: fs.createReadStream(file) as unknown as BodyInit,
    duplex: "half",
  } as RequestInit);
  assert.equal(res.status, 201, await res.clone().text());
  const { build } = (await res.json()) as { build: { manifestUrl: string; sha256: string } };
  assert.equal(build.sha256, ipa.sha256);
  ipaPath = new URL(build.manifestUrl).pathname.replace(/manifest\.plist$/, "app.ipa");
});

after(async () => {
  await nginx?.stop();
  await ferry?.stop();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

test("Ferry itself answers an authorized download with X-Accel-Redirect and no body", async () => {
  const res = await fetch(`${ferry.baseUrl}${ipaPath}`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("x-accel-redirect"), `/_ferry_files/builds/${ipa.sha256.slice(0, 2)}/${ipa.sha256}.ipa`);
  assert.equal((await res.arrayBuffer()).byteLength, 0);
  // Authorization still happens in Ferry: a forged token gets no redirect.
  const forged = await fetch(`${ferry.baseUrl}${ipaPath.replace(/\/d\/[^/]+\//, "/d/AAAAforged/")}`);
  assert.equal(forged.status, 404);
  assert.equal(forged.headers.get("x-accel-redirect"), null);
});

/** Closed TCP connections (TIME_WAIT) to or from a local port, from /proc/net/tcp: each one a connection not reused. */
function closedConnections(port: number): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  return fs
    .readFileSync("/proc/net/tcp", "utf8")
    .split("\n")
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter(([, local, remote, state]) => state === "06" && [local, remote].some((a) => a?.endsWith(`:${hexPort}`)))
    .length;
}

test("nginx keeps its connection to Ferry across offloaded downloads (the answer has a length, not an empty chunked body)", async () => {
  const own = await fetch(`${ferry.baseUrl}${ipaPath}`);
  assert.equal(own.headers.get("content-length"), "0");
  assert.equal(own.headers.get("transfer-encoding"), null);
  await own.arrayBuffer();
  const ferryPort = Number(new URL(ferry.baseUrl).port);
  const before = closedConnections(ferryPort);
  for (let i = 0; i < 6; i++) {
    const res = await fetch(`${nginxUrl}${ipaPath}`, { headers: { Range: "bytes=0-99" } });
    assert.equal(res.status, 206);
    assert.equal((await res.arrayBuffer()).byteLength, 100);
  }
  // An empty chunked answer made nginx close the upstream connection after every download.
  assert.equal(closedConnections(ferryPort) - before, 0, "no upstream connection was closed");
});

test("through nginx: the whole .ipa (SHA-256), a Range, HEAD; the internal location is unreachable directly", async () => {
  // Its own user agent tells this download's audit row from the earlier tests' (written just behind their answers).
  const userAgent = `nginx-offload-whole-${Date.now()}`;
  const whole = await fetch(`${nginxUrl}${ipaPath}`, { headers: { "user-agent": userAgent } });
  assert.equal(whole.status, 200);
  assert.equal(whole.headers.get("content-length"), String(ipa.size));
  assert.equal(whole.headers.get("x-accel-redirect"), null);
  assert.match(whole.headers.get("content-disposition") ?? "", /attachment; filename="NginxApp-1.0-3.ipa"/);
  const digest = createHash("sha256")
    .update(Buffer.from(await whole.arrayBuffer()))
    .digest("hex");
  assert.equal(digest, ipa.sha256);
  // The row is written just behind the answer.
  const after = await eventually(
    () =>
      queryDatabase<{ n: number }>(
        ferry.databaseUrl,
        "SELECT count(*)::int AS n FROM audit_events WHERE action = 'ipa.download' AND user_agent = $1",
        [userAgent],
      ),
    (rows) => rows[0]!.n > 0,
  );
  assert.equal(after[0]!.n, 1, "the offloaded download is audited, once");

  const start = 5 * 1024 * 1024 + 17;
  const ranged = await fetch(`${nginxUrl}${ipaPath}`, { headers: { Range: `bytes=${start}-${start + 99_999}` } });
  assert.equal(ranged.status, 206);
  assert.equal(ranged.headers.get("content-range"), `bytes ${start}-${start + 99_999}/${ipa.size}`);
  assert.deepEqual(Buffer.from(await ranged.arrayBuffer()), ipa.bytes.subarray(start, start + 100_000));

  const head = await fetch(`${nginxUrl}${ipaPath}`, { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get("content-length"), String(ipa.size));

  const icon = await fetch(`${nginxUrl}${ipaPath.replace(/app\.ipa$/, "icon-57.png")}`);
  assert.equal(icon.status, 200);
  assert.equal(
    Buffer.from(await icon.arrayBuffer())
      .subarray(1, 4)
      .toString(),
    "PNG",
  );

  const direct = await fetch(`${nginxUrl}/_ferry_files/builds/${ipa.sha256.slice(0, 2)}/${ipa.sha256}.ipa`);
  assert.equal(direct.status, 404);
});

test("stored files are readable by the web server's group only: 0640 files, 0750 folders, the group inherited", () => {
  const webGroup = Number(execFileSync("getent", ["group", WORKER.group], { encoding: "utf8" }).split(":")[2]);
  const stored = [
    `builds/${ipa.sha256.slice(0, 2)}/${ipa.sha256}.ipa`,
    `icons/${ipa.sha256}/57.png`,
    `icons/${ipa.sha256}/512.png`,
  ];
  for (const key of stored) {
    const stat = fs.statSync(path.join(dataDir, key));
    assert.equal((stat.mode & 0o777).toString(8), "640", key);
    assert.equal(stat.gid, webGroup, `${key} is in the web server's group`);
  }
  for (const dir of ["builds", `builds/${ipa.sha256.slice(0, 2)}`, "icons", `icons/${ipa.sha256}`]) {
    assert.equal((fs.statSync(path.join(dataDir, dir)).mode & 0o777).toString(8), "750", dir);
  }
});
