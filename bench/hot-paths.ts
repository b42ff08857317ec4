/**
 * The install hot paths side by side with nginx, as ratios from one run.
 *
 *   npm run build && npm run bench:hot -- [--size-mb 200] [--rounds 3] [--seconds 5] [--upload-mb 1024] [--upload-rounds 3]
 *
 * Starts Ferry the way `npm start` does (dist/start.mjs, plain node) and nginx
 * (Debian's, one worker, sendfile) serving the same stored .ipa, then runs
 * interleaved rounds of wrk against both and keeps each figure's best round
 * (the machine is shared and noisy). Printed ratios:
 * - .ipa GET throughput, Ferry / nginx, at 1 and 32 clients;
 * - valid manifest GET and valid .ipa HEAD at 64 clients / the same server's
 *   cheapest route handler (an install URL whose token fails its signature
 *   check: no database work), plus the manifest at 1, 8 and 64 clients;
 * - the server's peak RSS during 100 concurrent downloads;
 * - .ipa GET through nginx in front of a second Ferry with DOWNLOAD_OFFLOAD=nginx
 *   (Ferry authorizes and audits, nginx sends the file) / nginx serving the file
 *   directly, at 1 and 32 clients;
 * - a 1 GB upload (raw body and multipart, sent by curl), stored, hashed,
 *   analysed and committed, against `cp` + `sync` of the same file, and the
 *   same curl commands against a server that discards the body (the client's
 *   own share); --upload-mb 0 skips it.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { ensureEmbeddedPostgres, type RunningDatabase } from "@/lib/db/embedded-postgres";
import { signInstallToken } from "@/lib/install-links/install-token";
import { createToken, type FerryServer, freePort, startFerry } from "../tests/helpers/ferry-server";
import { generateIpa } from "../tests/helpers/generate-ipa";
import { OFFLOAD_REPORT_SECRET, shippedSiteConfig } from "../tests/helpers/nginx-site";
import { processTreeRss } from "../tests/helpers/process-rss";
import { queryDatabase } from "../tests/helpers/test-database";

const MiB = 1024 * 1024;
const log = (line: string) => console.log(`# ${line}`);

type WrkResult = { requestsPerSecond: number; bytesPerSecond: number; p99Ms: number };

const UNITS: Record<string, number> = { B: 1, KB: 1024, MB: MiB, GB: 1024 * MiB };

function wrk(url: string, connections: number, seconds: number): WrkResult {
  const args = ["-t", String(Math.min(2, connections)), "-c", String(connections), "-d", `${seconds}s`, "--latency"];
  const out = execFileSync("wrk", [...args, url], { encoding: "utf8", timeout: (seconds + 30) * 1000 });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const transfer = /Transfer\/sec:\s+([\d.]+)(\w+)/.exec(out);
  const p99 = /\s99%\s+([\d.]+)(us|ms|s)/.exec(out);
  const p99Ms = p99 ? Number(p99[1]) * (p99[2] === "us" ? 0.001 : p99[2] === "s" ? 1000 : 1) : 0;
  if (/Non-2xx or 3xx responses/.test(out) && !url.includes("invalid")) {
    throw new Error(`wrk saw error responses from ${url}:\n${out}`);
  }
  return {
    requestsPerSecond: rps,
    bytesPerSecond: transfer ? Number(transfer[1]) * (UNITS[transfer[2] ?? "B"] ?? 1) : 0,
    p99Ms,
  };
}

/**
 * wrk waits for a body after HEAD (it does not know the method of what it
 * parses), so HEAD is measured with a keep-alive Node client instead; its
 * ceiling is measured by the same client in the same round.
 */
async function nodeLoop(url: string, method: string, connections: number, seconds: number): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const req = http.request(url, { method, agent }, (res) => {
        res.resume();
        res.once("end", () => resolve());
      });
      req.once("error", reject);
      req.end();
    });
  const worker = async () => {
    for (let i = 0; i < 10_000_000 && performance.now() < deadline; i++) {
      await one();
      done += 1;
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  agent.destroy();
  return done / seconds;
}

/** nginx's process settings for both benchmark nginxes (one worker, no daemon, files under `dir`) around an `http` body. */
function writeNginxConf(dir: string, httpBody: string): string {
  for (const sub of ["body", "proxy", "fastcgi", "uwsgi", "scgi"])
    fs.mkdirSync(path.join(dir, sub), { recursive: true });
  const conf = path.join(dir, "nginx.conf");
  fs.writeFileSync(
    conf,
    `${process.getuid?.() === 0 ? "user root;\n" : ""}worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${httpBody}
}
`,
  );
  return conf;
}

async function startNginx(scratch: string, root: string): Promise<{ port: number; stop: () => void }> {
  const port = await freePort();
  const dir = path.join(scratch, "nginx");
  const conf = writeNginxConf(
    dir,
    `  sendfile on;
  tcp_nopush on;
  types { application/octet-stream ipa; }
  server { listen 127.0.0.1:${port}; root ${root}; }`,
  );
  const child = spawn("nginx", ["-c", conf, "-p", dir], { stdio: "ignore" });
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/`).then(
      () => true,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, stop: () => child.kill("SIGTERM") };
}

type OffloadSamples = Record<"offload c1" | "offload c32" | "direct c1" | "direct c32", number[]>;

/**
 * The nginx offload (DOWNLOAD_OFFLOAD=nginx): a second Ferry on the same
 * database, DATA_DIR and secret (as a second instance would be), behind nginx
 * running the shipped site config, against the plain nginx serving the same
 * file, in interleaved rounds. Offloading answers every download with an empty
 * X-Accel-Redirect response, so it needs its own Ferry: the first one keeps
 * streaming for the other rounds.
 */
async function offloadRounds(
  scratch: string,
  srv: FerryServer,
  token: string,
  directUrl: string,
  rounds: number,
  seconds: number,
): Promise<OffloadSamples> {
  const port = await freePort();
  const front = `http://127.0.0.1:${port}`;
  const ferry = await startFerry({
    launcher: "compiled",
    databaseUrl: srv.databaseUrl,
    dataDir: srv.dataDir,
    env: {
      AUTH_SECRET: srv.authSecret,
      PUBLIC_URL: front,
      TRUST_PROXY: "true",
      DOWNLOAD_OFFLOAD: "nginx",
      DOWNLOAD_OFFLOAD_PREFIX: "/_ferry_files/",
      DOWNLOAD_OFFLOAD_SECRET: OFFLOAD_REPORT_SECRET,
    },
  });
  const dir = path.join(scratch, "nginx-offload");
  // The same process settings as the direct nginx (one worker); the site is the shipped one.
  const conf = writeNginxConf(dir, shippedSiteConfig(port, Number(new URL(ferry.baseUrl).port), srv.dataDir));
  const nginx = spawn("nginx", ["-c", conf, "-p", dir], { stdio: "ignore" });
  const samples: OffloadSamples = { "offload c1": [], "offload c32": [], "direct c1": [], "direct c32": [] };
  try {
    const offloadUrl = `${front}/d/${token}/app.ipa`;
    for (let i = 0; i < 100; i++) {
      const res = await fetch(offloadUrl, { method: "HEAD" }).catch(() => null);
      if (res?.ok) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    for (let round = 1; round <= rounds; round++) {
      log(`offload round ${round}/${rounds}`);
      for (const clients of [1, 32] as const) {
        samples[`offload c${clients}`].push(wrk(offloadUrl, clients, seconds).bytesPerSecond);
        samples[`direct c${clients}`].push(wrk(directUrl, clients, seconds).bytesPerSecond);
      }
    }
  } finally {
    nginx.kill("SIGTERM");
    await ferry.stop();
  }
  return samples;
}

/** Runs curl; resolves with its stdout and the wall time. Async so a sink in this process can read meanwhile. */
function curl(args: string[]): Promise<{ stdout: string; seconds: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn("curl", ["-sS", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.once("error", reject);
    child.once("exit", (code) => {
      const seconds = (performance.now() - started) / 1000;
      if (code === 0) resolve({ stdout, seconds });
      else reject(new Error(`curl exited with ${code}: ${stderr}`));
    });
  });
}

/**
 * The upload as CI runs it, with curl: `-F file=@…` streams a multipart body;
 * `-T … -X POST` streams the raw body (`--data-binary @file` reads the whole
 * file into memory first and curl refuses files of 1 GB or more that way).
 */
function curlUploadArgs(url: string, file: string, multipart: boolean, token?: string): string[] {
  const args = token ? ["-H", `authorization: Bearer ${token}`] : [];
  if (multipart) args.push("-F", `file=@${file}`);
  else args.push("-H", "content-type: application/octet-stream", "-X", "POST", "-T", file);
  return [...args, url];
}

async function uploadOnce(server: FerryServer, token: string, file: string, multipart: boolean): Promise<number> {
  const { stdout, seconds } = await curl(curlUploadArgs(`${server.baseUrl}/api/v1/builds`, file, multipart, token));
  const json = JSON.parse(stdout) as { build?: { id: string } };
  if (!json.build) throw new Error(`upload failed: ${stdout}`);
  // The next upload of the same bytes must be ingested in full like new bytes: not found as a
  // duplicate, and its file moved into place rather than removed because the same bytes are stored.
  const [row] = await queryDatabase<{ storage_key: string }>(
    server.databaseUrl,
    "DELETE FROM builds WHERE id = $1 RETURNING storage_key",
    [json.build.id],
  );
  if (row) fs.rmSync(path.join(server.dataDir, row.storage_key), { force: true });
  return seconds;
}

/** A server that reads and discards request bodies: the same curl command against it is the client's own time. */
async function startSink(): Promise<{ url: string; stop: () => void }> {
  const sink = http.createServer((req, res) => {
    req.on("data", () => {});
    req.once("end", () => res.end("{}"));
  });
  await new Promise<void>((resolve) => sink.listen(0, "127.0.0.1", resolve));
  const address = sink.address();
  const port = address && typeof address === "object" ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/`, stop: () => sink.close() };
}

function cpSync(file: string, scratch: string): number {
  const copy = path.join(scratch, "copy.ipa");
  const started = performance.now();
  spawnSync("cp", [file, copy]);
  spawnSync("sync");
  const seconds = (performance.now() - started) / 1000;
  fs.rmSync(copy, { force: true });
  return seconds;
}

const best = (values: number[]): number => Math.max(...values);
const least = (values: number[]): number => Math.min(...values);
const fmt = (n: number, digits = 2): string => n.toFixed(digits);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      "size-mb": { type: "string", default: "200" },
      rounds: { type: "string", default: "3" },
      seconds: { type: "string", default: "5" },
      "upload-mb": { type: "string", default: "1024" },
      "upload-rounds": { type: "string", default: "3" },
    },
  });
  const sizeMb = Number(values["size-mb"]);
  const rounds = Number(values.rounds);
  const seconds = Number(values.seconds);
  const uploadMb = Number(values["upload-mb"]);
  const uploadRounds = Number(values["upload-rounds"]);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-hot-"));
  let database: RunningDatabase | null = null;
  let server: FerryServer | null = null;
  let nginx: { stop: () => void } | null = null;
  try {
    if (!process.env.FERRY_TEST_DATABASE_URL) {
      const pgDir = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-hot-pg-"));
      database = await ensureEmbeddedPostgres(pgDir, log);
      process.env.FERRY_TEST_DATABASE_URL = database.url.replace(/\/ferry$/, "/postgres");
    }
    log(`generating a ${sizeMb} MB .ipa`);
    const ipa = path.join(scratch, "bench.ipa");
    await generateIpa(ipa, {
      bundleId: "com.example.hot",
      version: "1.0",
      buildNumber: "1",
      name: "Hot",
      padBytes: sizeMb * MiB,
    });
    log("starting Ferry (compiled launcher) and nginx");
    server = await startFerry({ dataDir: path.join(scratch, "data"), launcher: "compiled" });
    const srv = server;
    const apiToken = await createToken(srv);
    const form = new FormData();
    form.append("file", await fs.openAsBlob(ipa), "bench.ipa");
    const up = await fetch(`${srv.baseUrl}/api/v1/builds`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiToken}` },
      body: form,
    });
    const { build } = (await up.json()) as { build: { id: string } };
    const [row] = await queryDatabase<{ storage_key: string; user_id: string; session_version: number }>(
      srv.databaseUrl,
      `SELECT b.storage_key, u.id AS user_id, u.session_version FROM builds b, users u
       WHERE b.id = $1 AND u.email = $2`,
      [build.id, srv.admin.email],
    );
    if (!row) throw new Error("the uploaded build was not found");
    const token = signInstallToken(
      {
        buildId: build.id,
        userId: row.user_id,
        userVersion: row.session_version,
        expiresAt: new Date(Date.now() + 864e5),
      },
      srv.authSecret,
    );
    // Same length, last character of the MAC changed: fails the signature check only.
    const last = token.at(-1) === "A" ? "B" : "A";
    const invalid = `${token.slice(0, -1)}${last}`;
    const started = await startNginx(scratch, srv.dataDir);
    nginx = started;
    const ferryIpa = `${srv.baseUrl}/d/${token}/app.ipa`;
    const nginxIpa = `http://127.0.0.1:${started.port}/${row.storage_key}`;
    const manifest = `${srv.baseUrl}/d/${token}/manifest.plist`;
    const ceiling = `${srv.baseUrl}/d/${invalid}/manifest.plist?invalid`;

    const samples: Record<string, number[]> = {};
    const p99: Record<string, number[]> = {};
    const add = (name: string, value: number, latency?: number) => {
      samples[name] = [...(samples[name] ?? []), value];
      if (latency !== undefined) p99[name] = [...(p99[name] ?? []), latency];
    };
    for (let round = 1; round <= rounds; round++) {
      log(`round ${round}/${rounds}`);
      for (const clients of [1, 32]) {
        add(`ipa ferry c${clients}`, wrk(ferryIpa, clients, seconds).bytesPerSecond);
        add(`ipa nginx c${clients}`, wrk(nginxIpa, clients, seconds).bytesPerSecond);
      }
      // The ceiling right before and after the manifest runs: load from other users of the machine hits both.
      const c = wrk(ceiling, 64, seconds);
      add("ceiling c64", c.requestsPerSecond, c.p99Ms);
      for (const clients of [1, 8, 64]) {
        const m = wrk(manifest, clients, seconds);
        add(`manifest c${clients}`, m.requestsPerSecond, m.p99Ms);
      }
      const c2 = wrk(ceiling, 64, seconds);
      add("ceiling c64", c2.requestsPerSecond, c2.p99Ms);
      add("head c64", await nodeLoop(ferryIpa, "HEAD", 64, seconds));
      add("head ceiling c64", await nodeLoop(`${srv.baseUrl}/d/${invalid}/app.ipa`, "HEAD", 64, seconds));
    }

    log("RSS during 100 concurrent downloads");
    const pid = srv.pid;
    const baseRss = processTreeRss(pid);
    let peakRss = baseRss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, processTreeRss(pid));
    }, 50);
    const rssRun = spawn("wrk", ["-t", "2", "-c", "100", "-d", `${Math.max(seconds, 8)}s`, ferryIpa], {
      stdio: "ignore",
    });
    await new Promise((resolve) => rssRun.once("exit", resolve));
    clearInterval(sampler);

    const offload = await offloadRounds(scratch, srv, token, nginxIpa, rounds, seconds);

    const uploads: Record<"raw" | "multipart" | "cp" | "sinkRaw" | "sinkMultipart", number[]> = {
      raw: [],
      multipart: [],
      cp: [],
      sinkRaw: [],
      sinkMultipart: [],
    };
    if (uploadMb > 0) {
      log(`generating a ${uploadMb} MB .ipa for the upload rounds`);
      const big = path.join(scratch, "upload.ipa");
      await generateIpa(big, {
        bundleId: "com.example.upload",
        version: "1.0",
        buildNumber: "1",
        name: "Upload",
        padBytes: uploadMb * MiB,
      });
      const sink = await startSink();
      try {
        for (let round = 1; round <= uploadRounds; round++) {
          log(`upload round ${round}/${uploadRounds}`);
          uploads.cp.push(cpSync(big, scratch));
          uploads.raw.push(await uploadOnce(srv, apiToken, big, false));
          uploads.multipart.push(await uploadOnce(srv, apiToken, big, true));
          uploads.sinkRaw.push((await curl(curlUploadArgs(sink.url, big, false))).seconds);
          uploads.sinkMultipart.push((await curl(curlUploadArgs(sink.url, big, true))).seconds);
        }
      } finally {
        sink.stop();
      }
    }

    const ratio = (a: string, b: string) => best(samples[a] ?? [0]) / best(samples[b] ?? [1]);
    const gbps = (name: string) => fmt(best(samples[name] ?? [0]) / 1e9);
    const rps = (name: string) => fmt(best(samples[name] ?? [0]), 0);
    const lat = (name: string) => fmt(least(p99[name] ?? [0]), 1);
    console.log("");
    console.log(`| measure | Ferry | reference | ratio | target |`);
    console.log(`| --- | --- | --- | --- | --- |`);
    for (const clients of [1, 32]) {
      console.log(
        `| .ipa GET, ${clients} client(s) | ${gbps(`ipa ferry c${clients}`)} GB/s | nginx ${gbps(`ipa nginx c${clients}`)} GB/s | ${fmt(ratio(`ipa ferry c${clients}`, `ipa nginx c${clients}`))}× | ≥ 0.8× |`,
      );
    }
    for (const clients of [1, 8, 64]) {
      console.log(
        `| valid manifest, ${clients} client(s) | ${rps(`manifest c${clients}`)} req/s (p99 ${lat(`manifest c${clients}`)} ms) | ceiling ${rps("ceiling c64")} req/s at 64 | ${fmt(ratio(`manifest c${clients}`, "ceiling c64"))}× | ${clients === 64 ? "≥ 0.8×" : "rising"} |`,
      );
    }
    console.log(
      `| valid .ipa HEAD, 64 clients (Node client) | ${rps("head c64")} req/s | ceiling (HEAD, invalid token) ${rps("head ceiling c64")} req/s | ${fmt(ratio("head c64", "head ceiling c64"))}× | ≥ 0.8× |`,
    );
    console.log(
      `| server RSS, 100 concurrent downloads | peak ${fmt(peakRss / MiB, 0)} MiB (idle ${fmt(baseRss / MiB, 0)} MiB) | | | ≤ 300 MiB |`,
    );
    for (const clients of [1, 32] as const) {
      const via = best(offload[`offload c${clients}`]);
      const direct = best(offload[`direct c${clients}`]);
      console.log(
        `| .ipa GET via nginx offload, ${clients} client(s) | ${fmt(via / 1e9)} GB/s | nginx alone ${fmt(direct / 1e9)} GB/s | ${fmt(via / direct)}× | ≥ 0.95× |`,
      );
    }
    if (uploadMb > 0) {
      const cp = least(uploads.cp);
      for (const kind of ["raw", "multipart"] as const) {
        const t = least(uploads[kind]);
        console.log(
          `| ${uploadMb} MB upload (${kind}, curl) | ${fmt(t)} s | cp + sync ${fmt(cp)} s | ${fmt(t / cp)}× the time | ≤ 2.5× |`,
        );
      }
      console.log(
        `| the same curl commands to a server that discards the body | raw ${fmt(least(uploads.sinkRaw))} s, multipart ${fmt(least(uploads.sinkMultipart))} s | cp + sync ${fmt(cp)} s | ${fmt(least(uploads.sinkRaw) / cp)}×, ${fmt(least(uploads.sinkMultipart) / cp)}× | (the client alone) |`,
      );
    }
    console.log(
      `\n# best of ${rounds} interleaved rounds, wrk ${seconds} s each; ${os.cpus().length} cores; node ${process.version}`,
    );
  } finally {
    nginx?.stop();
    await server?.stop();
    await database?.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
