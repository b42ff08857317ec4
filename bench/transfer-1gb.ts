/**
 * Transfer benchmark: one large .ipa through a real Ferry server.
 *
 *   npx tsx bench/transfer-1gb.ts [--size-mb 1024] [--clients 4]
 *
 * Generates the .ipa, uploads it as a streaming raw body, downloads it through
 * the manifest's software-package URL once alone and then with N concurrent
 * clients, hashing every body as it streams. Meanwhile a worker thread samples
 * the server's resident memory every 50 ms: the point is to show that memory
 * stays flat whatever the file size (nothing buffers a whole .ipa).
 * Exits 1 if any SHA-256 differs.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import * as plist from "plist";
import { ensureEmbeddedPostgres, type RunningDatabase } from "@/lib/db/embedded-postgres";
import { createToken, type FerryServer, startFerry } from "../tests/helpers/ferry-server";
import { generateIpa } from "../tests/helpers/generate-ipa";

const MiB = 1024 * 1024;
const SAMPLE_MS = 50;

type BuildJson = { id: string; sha256: string; sizeBytes: number; manifestUrl: string };
type Manifest = { items: { assets: { kind: string; url: string }[] }[] };

type PhaseMemory = {
  /** Summed RSS of the server's process tree when the phase began. */
  baselineRss: number;
  /** Highest summed RSS sampled during the phase. */
  peakRss: number;
  /** Highest RSS of the single largest process (the Next.js server itself). */
  peakProcessRss: number;
  /** Kernel high-water mark (VmHWM) of the largest process since the phase began, if it could be reset. */
  hwm: number | null;
  samples: number;
  /** Longest gap between two samples, to show the sampler kept up. */
  maxGapMs: number;
};

type PhaseResult = {
  name: string;
  bytes: number;
  seconds: number;
  /** Extra detail, e.g. time until the body was sent, or per-client times. */
  note: string;
  memory: PhaseMemory;
  ok: boolean;
};

// ---------------------------------------------------------------------------
// Memory sampling, in a worker so that hashing on the main thread cannot
// delay samples. Plain JS (eval) so it needs no TypeScript loader.

const SAMPLER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const fs = require("node:fs");
const root = workerData.pid;
const every = workerData.every;

function kb(status, field) {
  const m = new RegExp("^" + field + ":\\\\s+(\\\\d+) kB", "m").exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}
function children(pid) {
  let out = [];
  let tasks = [];
  try { tasks = fs.readdirSync("/proc/" + pid + "/task"); } catch { return out; }
  for (const t of tasks) {
    try {
      const text = fs.readFileSync("/proc/" + pid + "/task/" + t + "/children", "utf8").trim();
      if (text) out = out.concat(text.split(/\\s+/).map(Number));
    } catch {}
  }
  return out;
}
function tree() {
  const all = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift();
    all.push(pid);
    queue.push(...children(pid));
  }
  return all;
}
function sample() {
  let total = 0, largest = 0, largestPid = root, largestHwm = 0;
  for (const pid of tree()) {
    let status;
    try { status = fs.readFileSync("/proc/" + pid + "/status", "utf8"); } catch { continue; }
    const rss = kb(status, "VmRSS");
    total += rss;
    if (rss > largest) { largest = rss; largestPid = pid; largestHwm = kb(status, "VmHWM"); }
  }
  return { total, largest, largestPid, largestHwm };
}

let phase = null;
let last = 0;
function tick() {
  const now = Date.now();
  const s = sample();
  if (phase) {
    phase.samples += 1;
    phase.peakRss = Math.max(phase.peakRss, s.total);
    phase.peakProcessRss = Math.max(phase.peakProcessRss, s.largest);
    if (last) phase.maxGapMs = Math.max(phase.maxGapMs, now - last);
    phase.lastHwm = s.largestHwm;
  }
  last = now;
}
const timer = setInterval(tick, every);

parentPort.on("message", (msg) => {
  if (msg.type === "start") {
    // Reset the kernel's peak-RSS counters (clear_refs 5) so VmHWM covers this phase only.
    let hwmReset = true;
    for (const pid of tree()) {
      try { fs.writeFileSync("/proc/" + pid + "/clear_refs", "5"); } catch { hwmReset = false; }
    }
    const s = sample();
    phase = { baselineRss: s.total, peakRss: s.total, peakProcessRss: s.largest, samples: 1, maxGapMs: 0, lastHwm: s.largestHwm, hwmReset };
    last = Date.now();
  } else if (msg.type === "stop") {
    tick();
    const p = phase;
    phase = null;
    parentPort.postMessage({
      baselineRss: p.baselineRss, peakRss: p.peakRss, peakProcessRss: p.peakProcessRss,
      hwm: p.hwmReset ? p.lastHwm : null, samples: p.samples, maxGapMs: p.maxGapMs,
    });
  } else if (msg.type === "snapshot") {
    const s = sample();
    parentPort.postMessage({ pids: tree(), total: s.total, largest: s.largest, largestPid: s.largestPid });
  } else if (msg.type === "exit") {
    clearInterval(timer);
    parentPort.close();
  }
});
`;

type Snapshot = { pids: number[]; total: number; largest: number; largestPid: number };

class MemorySampler {
  private readonly worker: Worker;

  constructor(pid: number) {
    this.worker = new Worker(SAMPLER_SOURCE, { eval: true, workerData: { pid, every: SAMPLE_MS } });
    this.worker.on("error", (error) => console.error("memory sampler failed:", error));
    this.worker.unref();
  }

  /** One request, one reply: callers never overlap, so replies cannot be mixed up. */
  private ask<T>(message: { type: string }): Promise<T> {
    return new Promise((resolve) => {
      this.worker.once("message", (value: T) => resolve(value));
      this.worker.postMessage(message);
    });
  }

  snapshot(): Promise<Snapshot> {
    return this.ask<Snapshot>({ type: "snapshot" });
  }

  /** Runs `work` as one measured phase. */
  async measure<T>(work: () => Promise<T>): Promise<{ value: T; memory: PhaseMemory }> {
    this.worker.postMessage({ type: "start" });
    const value = await work();
    const memory = await this.ask<PhaseMemory>({ type: "stop" });
    return { value, memory };
  }

  async close(): Promise<void> {
    this.worker.postMessage({ type: "exit" });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await this.worker.terminate();
  }
}

// ---------------------------------------------------------------------------

function parseOptions(): { sizeMb: number; clients: number } {
  const { values } = parseArgs({
    options: { "size-mb": { type: "string", default: "1024" }, clients: { type: "string", default: "4" } },
  });
  const sizeMb = Number(values["size-mb"]);
  const clients = Number(values.clients);
  if (!Number.isInteger(sizeMb) || sizeMb < 1) throw new Error("--size-mb must be a positive integer");
  if (!Number.isInteger(clients) || clients < 1) throw new Error("--clients must be a positive integer");
  return { sizeMb, clients };
}

const mb = (bytes: number): string => (bytes / MiB).toFixed(0);
const rate = (bytes: number, seconds: number): string => (bytes / MiB / seconds).toFixed(0);

async function upload(
  server: FerryServer,
  token: string,
  file: string,
  size: number,
): Promise<{ build: BuildJson; sentAt: number }> {
  let sentAt = 0;
  const body = fs.createReadStream(file, { highWaterMark: MiB });
  // When fetch has pulled the last byte from disk; the rest of the time is the server checking the build.
  body.on("end", () => {
    sentAt = performance.now();
  });
  const res = await fetch(`${server.baseUrl}/api/v1/builds`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/octet-stream",
      "content-length": String(size),
    },
    body: body as unknown as BodyInit,
    duplex: "half",
  } as RequestInit);
  const json = (await res.json()) as { build?: BuildJson; error?: { code: string; message: string } };
  if (!json.build) throw new Error(`upload failed: HTTP ${res.status} ${JSON.stringify(json.error)}`);
  return { build: json.build, sentAt };
}

/** Downloads `url`, hashing as the body streams; never holds more than a chunk. */
async function download(url: string): Promise<{ sha256: string; bytes: number; seconds: number }> {
  const started = performance.now();
  const res = await fetch(url);
  if (res.status !== 200 || !res.body) throw new Error(`download failed: HTTP ${res.status}`);
  const hash = createHash("sha256");
  let bytes = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    hash.update(value);
    bytes += value.byteLength;
  }
  const declared = Number(res.headers.get("content-length"));
  if (declared !== bytes) throw new Error(`download: Content-Length ${declared} but received ${bytes} bytes`);
  return { sha256: hash.digest("hex"), bytes, seconds: (performance.now() - started) / 1000 };
}

async function softwarePackageUrl(manifestUrl: string): Promise<string> {
  const res = await fetch(manifestUrl);
  if (res.status !== 200) throw new Error(`manifest: HTTP ${res.status}`);
  const manifest = plist.parse(await res.text()) as unknown as Manifest;
  const url = manifest.items[0]?.assets.find((asset) => asset.kind === "software-package")?.url;
  if (!url) throw new Error("manifest has no software-package asset");
  return url;
}

function printTable(results: PhaseResult[], context: string[]): void {
  const header = [
    "phase",
    "MiB",
    "time s",
    "MiB/s",
    "base RSS",
    "peak RSS",
    "peak proc",
    "VmHWM",
    "samples",
    "sha256",
    "note",
  ];
  const rows = results.map((r) => [
    r.name,
    mb(r.bytes),
    r.seconds.toFixed(2),
    rate(r.bytes, r.seconds),
    `${mb(r.memory.baselineRss)} MiB`,
    `${mb(r.memory.peakRss)} MiB`,
    `${mb(r.memory.peakProcessRss)} MiB`,
    r.memory.hwm === null ? "n/a" : `${mb(r.memory.hwm)} MiB`,
    `${r.memory.samples} (max gap ${r.memory.maxGapMs} ms)`,
    r.ok ? "ok" : "MISMATCH",
    r.note,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  console.log("");
  for (const c of context) console.log(c);
  console.log("");
  console.log(line(header));
  console.log(line(widths.map((w) => "-".repeat(w))));
  for (const row of rows) console.log(line(row));
  console.log("");
  console.log(
    "RSS = server process tree (tsx launcher + Next.js server), sampled every 50 ms; peak proc = largest single process;",
  );
  console.log("VmHWM = kernel peak RSS of the largest process, reset at the start of each phase.");
}

async function main(): Promise<number> {
  const { sizeMb, clients } = parseOptions();
  const log = (line: string) => console.log(`# ${line}`);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-bench-"));
  let pgDir: string | null = null;
  let database: RunningDatabase | null = null;
  let server: FerryServer | null = null;
  let sampler: MemorySampler | null = null;
  const cleanup = async () => {
    await sampler?.close().catch(() => {});
    await server?.stop().catch(() => {});
    await database?.stop().catch(() => {});
    fs.rmSync(scratch, { recursive: true, force: true });
    if (pgDir) fs.rmSync(pgDir, { recursive: true, force: true });
  };
  // Ctrl-C must not leave a 1 GiB file, a server or a postmaster behind.
  const onSignal = () => {
    void cleanup().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  try {
    const ipaPath = path.join(scratch, "FerryBench.ipa");
    log(`generating a ${sizeMb} MiB .ipa in ${scratch}`);
    let t0 = performance.now();
    // padding.bin is the bulk; a few KB of headers and Info.plist come on top.
    const generated = await generateIpa(ipaPath, {
      bundleId: "com.example.ferry.bench",
      version: "1.0.0",
      buildNumber: "1",
      name: "FerryBench",
      padBytes: sizeMb * MiB - 16 * 1024,
    });
    log(
      `generated ${generated.size} bytes in ${((performance.now() - t0) / 1000).toFixed(1)} s, sha256 ${generated.sha256}`,
    );

    if (!process.env.FERRY_TEST_DATABASE_URL) {
      // Its own directory (not under scratch): as root, PostgreSQL runs as another user that must traverse it.
      pgDir = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-bench-pg-"));
      database = await ensureEmbeddedPostgres(pgDir, log);
      process.env.FERRY_TEST_DATABASE_URL = database.url.replace(/\/ferry$/, "/postgres");
    }

    const dataDir = path.join(scratch, "data");
    fs.mkdirSync(dataDir);
    const maxUpload = Math.max(4096 * MiB, 2 * generated.size);
    server = await startFerry({ dataDir, env: { MAX_UPLOAD_SIZE: String(maxUpload) } });
    const token = await createToken(server);
    sampler = new MemorySampler(server.pid);
    // Let the server settle after start-up before taking its baseline.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const idle = await sampler.snapshot();
    log(
      `server process tree ${idle.pids.join(", ")}; Next.js server pid ${idle.largestPid}; idle RSS ${mb(idle.total)} MiB`,
    );

    const results: PhaseResult[] = [];

    log("upload");
    t0 = performance.now();
    const up = await sampler.measure(() => upload(server as FerryServer, token, ipaPath, generated.size));
    const uploadSeconds = (performance.now() - t0) / 1000;
    const build = up.value.build;
    results.push({
      name: "upload (raw stream)",
      bytes: generated.size,
      seconds: uploadSeconds,
      note: `body sent after ${((up.value.sentAt - t0) / 1000).toFixed(2)} s; server sha256 ${build.sha256 === generated.sha256 ? "matches" : "DIFFERS"}`,
      memory: up.memory,
      ok: build.sha256 === generated.sha256 && build.sizeBytes === generated.size,
    });

    const ipaUrl = await softwarePackageUrl(build.manifestUrl);

    log("download, 1 client");
    const one = await sampler.measure(() => download(ipaUrl));
    results.push({
      name: "download x1",
      bytes: one.value.bytes,
      seconds: one.value.seconds,
      note: "",
      memory: one.memory,
      ok: one.value.sha256 === generated.sha256,
    });

    log(`download, ${clients} concurrent clients`);
    t0 = performance.now();
    const many = await sampler.measure(() => Promise.all(Array.from({ length: clients }, () => download(ipaUrl))));
    const wall = (performance.now() - t0) / 1000;
    const each = many.value.map((d) => d.seconds);
    results.push({
      name: `download x${clients} concurrent`,
      bytes: many.value.reduce((sum, d) => sum + d.bytes, 0),
      seconds: wall,
      note: `aggregate; per client ${Math.min(...each).toFixed(2)}–${Math.max(...each).toFixed(2)} s`,
      memory: many.memory,
      ok: many.value.every((d) => d.sha256 === generated.sha256),
    });

    printTable(results, [
      `Ferry transfer benchmark, ${new Date().toISOString()}`,
      `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "?"}, ${mb(os.totalmem())} MiB RAM, Node ${process.version}, ${os.platform()} ${os.release()}`,
      `file: ${generated.size} bytes (${sizeMb} MiB), sha256 ${generated.sha256}; client and server on the same machine (loopback)`,
    ]);
    const ok = results.every((r) => r.ok);
    console.log(ok ? "SHA-256 matches at both ends for every transfer." : "SHA-256 MISMATCH: see the table.");
    return ok ? 0 : 1;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
