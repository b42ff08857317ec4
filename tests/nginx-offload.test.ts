/**
 * Ferry behind a real nginx using the shipped site config (docs/nginx/ferry.conf,
 * TLS stripped for the test): uploads stream through it, and with
 * DOWNLOAD_OFFLOAD=nginx Ferry authorizes and audits a download, then answers
 * with X-Accel-Redirect and no body so nginx sends the file (GET, Range, HEAD);
 * nginx then reports each finished transfer (post_action), and a download that
 * reached its last byte counts once in the install funnel.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { createToken, type FerryServer, freePort, startFerry } from "./helpers/ferry-server";
import { generateIpa } from "./helpers/generate-ipa";
import { OFFLOAD_REPORT_SECRET, type ShippedNginx, startShippedNginx } from "./helpers/nginx-site";
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
      DOWNLOAD_OFFLOAD_SECRET: OFFLOAD_REPORT_SECRET,
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

/** The install funnel's *completed* rows of downloads made with `userAgent` (the receipt carries the client's). */
function completions(userAgent: string): Promise<number> {
  return queryDatabase<{ n: number }>(
    ferry.databaseUrl,
    "SELECT count(*)::int AS n FROM audit_events WHERE action = 'ipa.download_complete' AND user_agent = $1",
    [userAgent],
  ).then((rows) => rows[0]!.n);
}

/** Waits for a first completion row (or 1.5 s), then a little longer so a second one would show too. */
async function settledCompletions(userAgent: string): Promise<number> {
  await eventually(
    () => completions(userAgent),
    (n) => n > 0,
    1_500,
  );
  await new Promise((r) => setTimeout(r, 300));
  return completions(userAgent);
}

test("a whole offloaded download counts once as completed; a resumed range reaching the end counts, other ranges and HEAD do not", async () => {
  const whole = `nginx-offload-complete-${Date.now()}`;
  const res = await fetch(`${nginxUrl}${ipaPath}`, { headers: { "user-agent": whole } });
  assert.equal(res.status, 200);
  // The receipt is for nginx's report only.
  assert.equal(res.headers.get("x-ferry-download"), null);
  assert.equal((await res.arrayBuffer()).byteLength, ipa.size);
  assert.equal(await settledCompletions(whole), 1, `completed once:\n${nginx?.log()}`);

  const resumed = `nginx-offload-resumed-${Date.now()}`;
  const tail = await fetch(`${nginxUrl}${ipaPath}`, { headers: { "user-agent": resumed, Range: "bytes=1000-" } });
  assert.equal(tail.status, 206);
  assert.equal((await tail.arrayBuffer()).byteLength, ipa.size - 1000);
  assert.equal(await settledCompletions(resumed), 1, "a resumed download that reached the last byte");

  const partial = `nginx-offload-partial-${Date.now()}`;
  const head = await fetch(`${nginxUrl}${ipaPath}`, { headers: { "user-agent": partial, Range: "bytes=0-99" } });
  assert.equal((await head.arrayBuffer()).byteLength, 100);
  const headOnly = await fetch(`${nginxUrl}${ipaPath}`, { method: "HEAD", headers: { "user-agent": partial } });
  assert.equal(headOnly.status, 200);
  assert.equal(await settledCompletions(partial), 0, "a range short of the end and HEAD are not completions");
});

test("a download the client abandons mid-body is not counted as completed", async () => {
  const userAgent = `nginx-offload-aborted-${Date.now()}`;
  const port = Number(new URL(nginxUrl).port);
  const received = await new Promise<number>((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => {
      socket.write(`GET ${ipaPath} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: ${userAgent}\r\n\r\n`);
    });
    let bytes = 0;
    socket.on("error", reject);
    socket.once("data", (chunk: Buffer) => {
      bytes += chunk.byteLength;
      // Stop reading so nginx's writes back up (the 12 MiB do not fit the socket buffers), then hang up.
      socket.pause();
      setTimeout(() => {
        socket.resetAndDestroy();
        resolve(bytes);
      }, 300);
    });
  });
  assert.ok(received < ipa.size, `the client stopped early (${received} bytes)`);
  // The download itself was authorized and audited.
  await eventually(
    () =>
      queryDatabase<{ n: number }>(
        ferry.databaseUrl,
        "SELECT count(*)::int AS n FROM audit_events WHERE action = 'ipa.download' AND user_agent = $1",
        [userAgent],
      ),
    (rows) => rows[0]!.n > 0,
  );
  assert.equal(await settledCompletions(userAgent), 0, "an abandoned transfer is not a completion");
});

/** Ferry's own answer to a download (as nginx gets it): the receipt nginx would hand back. */
async function receiptFor(userAgent: string): Promise<string> {
  const res = await fetch(`${ferry.baseUrl}${ipaPath}`, { headers: { "user-agent": userAgent } });
  assert.equal(res.status, 200);
  await res.arrayBuffer();
  const receipt = res.headers.get("x-ferry-download");
  assert.ok(receipt, "Ferry's X-Accel-Redirect answer carries a receipt");
  return receipt;
}

function report(receipt: string, secret: string | null, extra: Record<string, string> = {}): Promise<Response> {
  return fetch(`${ferry.baseUrl}/api/v1/downloads/completed`, {
    method: "POST",
    headers: {
      ...(secret === null ? {} : { "x-ferry-offload-secret": secret }),
      "x-ferry-download": receipt,
      "x-ferry-completion": "OK",
      "x-ferry-status": "200",
      "x-ferry-bytes-sent": String(ipa.size),
      ...extra,
    },
  });
}

test("a report without nginx's secret, or forged, counts nothing; a replayed report counts once", async () => {
  const forgedAgent = `nginx-offload-forged-${Date.now()}`;
  const receipt = await receiptFor(forgedAgent);
  // From outside, through the shipped site: not routed.
  const outside = await fetch(`${nginxUrl}/api/v1/downloads/completed`, {
    method: "POST",
    headers: { "x-ferry-offload-secret": OFFLOAD_REPORT_SECRET, "x-ferry-download": receipt },
  });
  assert.equal(outside.status, 404);
  for (const secret of [null, "", "wrong-secret-of-the-same-kind-0123456789abcd", `${OFFLOAD_REPORT_SECRET}x`]) {
    const res = await report(receipt, secret);
    assert.equal(res.status, 404, `secret ${JSON.stringify(secret)}`);
  }
  // nginx's secret with a receipt Ferry did not sign (another size, another id), or a transfer short of the end.
  const [payload, mac] = receipt.split(".");
  const tampered = JSON.parse(Buffer.from(payload!, "base64url").toString("utf8")) as { id: string; size: number };
  const forged = `${Buffer.from(JSON.stringify({ ...tampered, id: crypto.randomUUID(), size: 1 })).toString("base64url")}.${mac}`;
  assert.equal((await report(forged, OFFLOAD_REPORT_SECRET, { "x-ferry-bytes-sent": "1" })).status, 204);
  assert.equal((await report(receipt, OFFLOAD_REPORT_SECRET, { "x-ferry-completion": "" })).status, 204);
  assert.equal((await report(receipt, OFFLOAD_REPORT_SECRET, { "x-ferry-bytes-sent": "100" })).status, 204);
  assert.equal(await completions(forgedAgent), 0, "nothing counted");

  // nginx's genuine report, then the same again (a replay): one completion.
  for (let i = 0; i < 3; i++) {
    assert.equal((await report(receipt, OFFLOAD_REPORT_SECRET)).status, 204);
  }
  assert.equal(await completions(forgedAgent), 1, "counted once");
});
