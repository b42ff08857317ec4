/**
 * Mixed load on a real Ferry: install-page views, .ipa downloads through
 * install links and uploads, all at once, for a bounded time, while hostile
 * clients send 300 MB bodies to the sign-in endpoint and the JSON routes.
 *
 *   npx tsx bench/load-mixed.ts [--seconds 20] [--pages 4] [--downloads 2] [--uploads 2] [--upload-kb 2048] [--hostile 2]
 *
 * Each flag but --seconds and --upload-kb is the number of concurrent clients
 * of that kind. Reports requests per kind, status classes, 5xx count, latency
 * (p50/p95) and the server's peak RSS (process tree, /proc/<pid>/status VmRSS,
 * sampled every 100 ms). Exits 1 on any 5xx or network error, on a hostile body
 * answered with anything but 413, or when the peak RSS passes 300 MiB.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import * as plist from "plist";
import { ensureEmbeddedPostgres, type RunningDatabase } from "@/lib/db/embedded-postgres";
import { createToken, type FerryServer, startFerry } from "../tests/helpers/ferry-server";
import { fixturePath } from "../tests/helpers/fixtures";
import { generateIpa } from "../tests/helpers/generate-ipa";
import { hostileTargets, sendHostileBody } from "../tests/helpers/hostile-bodies";
import { processTreeRss } from "../tests/helpers/process-rss";
import { passwordSession } from "../tests/helpers/session";

type Kind = "page" | "download" | "upload" | "hostile";
type Stats = { count: number; byClass: Record<string, number>; errors: number; latencies: number[]; bytes: number };

const MiB = 1024 * 1024;
// Issue 20: the server's resident memory stays within this, hostile bodies included.
const RSS_LIMIT = 300 * MiB;
const log = (line: string) => console.log(`# ${line}`);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

async function drainBody(res: Response): Promise<number> {
  let n = 0;
  if (!res.body) return 0;
  const reader = res.body.getReader();
  for (let i = 0; i < 10_000_000; i++) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.byteLength;
  }
  return n;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seconds: { type: "string", default: "20" },
      pages: { type: "string", default: "4" },
      downloads: { type: "string", default: "2" },
      uploads: { type: "string", default: "2" },
      "upload-kb": { type: "string", default: "2048" },
      hostile: { type: "string", default: "2" },
    },
  });
  const seconds = Number(values.seconds);
  const clients: Record<Kind, number> = {
    page: Number(values.pages),
    download: Number(values.downloads),
    upload: Number(values.uploads),
    hostile: Number(values.hostile),
  };
  const uploadBytes = Number(values["upload-kb"]) * 1024;
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-load-"));
  let pgDir: string | null = null;
  let database: RunningDatabase | null = null;
  let server: FerryServer | null = null;
  try {
    if (!process.env.FERRY_TEST_DATABASE_URL) {
      // Its own directory: as root, PostgreSQL runs as another user that must traverse it.
      pgDir = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-load-pg-"));
      database = await ensureEmbeddedPostgres(pgDir, log);
      process.env.FERRY_TEST_DATABASE_URL = database.url.replace(/\/ferry$/, "/postgres");
    }
    // What `npm start` runs (dist/start.mjs with plain node): its memory is what the 300 MiB bound is about.
    server = await startFerry({ dataDir: path.join(scratch, "data"), launcher: "compiled" });
    const srv = server;
    const token = await createToken(srv);
    const cookie = await passwordSession(srv.baseUrl, srv.admin.email, srv.admin.password);
    if (!cookie) throw new Error("could not sign in");

    // One real build to view and download.
    const fixture = fixturePath("ipa", "app_info--iphone.ipa");
    const seeded = await fetch(`${srv.baseUrl}/api/v1/builds`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
      body: fs.readFileSync(fixture),
    });
    if (seeded.status !== 201) throw new Error(`seed upload failed: ${seeded.status} ${await seeded.text()}`);
    const { build } = (await seeded.json()) as { build: { id: string; appId: string; manifestUrl: string } };
    const manifest = plist.parse(await (await fetch(build.manifestUrl)).text()) as {
      items: { assets: { kind: string; url: string }[] }[];
    };
    const ipaUrl = manifest.items[0]?.assets.find((a) => a.kind === "software-package")?.url;
    if (!ipaUrl) throw new Error("no software-package in the manifest");

    const stats: Record<Kind, Stats> = {
      page: { count: 0, byClass: {}, errors: 0, latencies: [], bytes: 0 },
      download: { count: 0, byClass: {}, errors: 0, latencies: [], bytes: 0 },
      upload: { count: 0, byClass: {}, errors: 0, latencies: [], bytes: 0 },
      hostile: { count: 0, byClass: {}, errors: 0, latencies: [], bytes: 0 },
    };
    const targets = hostileTargets({ adminToken: token, buildId: build.id, appId: build.appId });
    const port = Number(new URL(srv.baseUrl).port);
    let hostileSeq = 0;
    let hostileNot413 = 0;
    let uploadSeq = 0;
    const actions: Record<Kind, () => Promise<{ status: number; bytes: number }>> = {
      page: async () => {
        const res = await fetch(`${srv.baseUrl}/apps/${build.appId}`, { headers: { cookie } });
        return { status: res.status, bytes: await drainBody(res) };
      },
      download: async () => {
        const res = await fetch(ipaUrl);
        return { status: res.status, bytes: await drainBody(res) };
      },
      upload: async () => {
        // Fresh bytes every time, so each upload is analysed and stored (not de-duplicated).
        const n = ++uploadSeq;
        const file = path.join(scratch, `upload-${n}.ipa`);
        await generateIpa(file, {
          bundleId: "com.example.load",
          version: "1.0",
          buildNumber: String(n),
          name: "Load",
          padBytes: uploadBytes,
        });
        try {
          const res = await fetch(`${srv.baseUrl}/api/v1/builds`, {
            method: "POST",
            headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
            body: fs.createReadStream(file) as unknown as BodyInit,
            duplex: "half",
          } as RequestInit);
          await drainBody(res);
          return { status: res.status, bytes: fs.statSync(file).size };
        } finally {
          fs.rmSync(file, { force: true });
        }
      },
      hostile: async () => {
        // Every target in turn, chunked and declared; "bytes" counts what was sent before the answer.
        const n = hostileSeq++;
        const target = targets[n % targets.length] ?? targets[0]!;
        const answer = await sendHostileBody(port, target, Math.floor(n / targets.length) % 2 === 1);
        if (answer.status !== 413) hostileNot413 += 1;
        return { status: answer.status, bytes: answer.sentBeforeAnswer };
      },
    };

    let peakRss = processTreeRss(srv.pid);
    const baseRss = peakRss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, processTreeRss(srv.pid));
    }, 100);
    const deadline = Date.now() + seconds * 1000;
    log(
      `running ${seconds} s: ${clients.page} page, ${clients.download} download, ${clients.upload} upload, ${clients.hostile} hostile-body clients`,
    );
    const worker = async (kind: Kind) => {
      // Bounded by the deadline; a hard cap on iterations guards against a zero-latency loop.
      for (let i = 0; i < 1_000_000 && Date.now() < deadline; i++) {
        const started = performance.now();
        const s = stats[kind];
        try {
          const { status, bytes } = await actions[kind]();
          const cls = `${Math.floor(status / 100)}xx`;
          s.byClass[cls] = (s.byClass[cls] ?? 0) + 1;
          s.bytes += bytes;
        } catch {
          s.errors += 1;
        }
        s.count += 1;
        s.latencies.push(performance.now() - started);
      }
    };
    const started = Date.now();
    await Promise.all(
      (Object.keys(clients) as Kind[]).flatMap((kind) => Array.from({ length: clients[kind] }, () => worker(kind))),
    );
    const elapsed = (Date.now() - started) / 1000;
    clearInterval(sampler);
    peakRss = Math.max(peakRss, processTreeRss(srv.pid));
    const endRss = processTreeRss(srv.pid);

    console.log(`\n| kind | clients | requests | req/s | 2xx | 4xx | 5xx | errors | p50 ms | p95 ms | MiB moved |`);
    console.log(`|---|---|---|---|---|---|---|---|---|---|---|`);
    let fiveXx = 0;
    let errors = 0;
    for (const kind of Object.keys(stats) as Kind[]) {
      const s = stats[kind];
      const sorted = [...s.latencies].sort((a, b) => a - b);
      fiveXx += s.byClass["5xx"] ?? 0;
      errors += s.errors;
      console.log(
        `| ${kind} | ${clients[kind]} | ${s.count} | ${(s.count / elapsed).toFixed(1)} | ${s.byClass["2xx"] ?? 0} | ${s.byClass["4xx"] ?? 0} | ${s.byClass["5xx"] ?? 0} | ${s.errors} | ${percentile(sorted, 50).toFixed(0)} | ${percentile(sorted, 95).toFixed(0)} | ${(s.bytes / MiB).toFixed(0)} |`,
      );
    }
    console.log(
      `\n${elapsed.toFixed(1)} s; 5xx: ${fiveXx}; network errors: ${errors}; server RSS (process tree): start ${(baseRss / MiB).toFixed(0)} MiB, peak ${(peakRss / MiB).toFixed(0)} MiB, end ${(endRss / MiB).toFixed(0)} MiB`,
    );
    if (hostileNot413 > 0) console.log(`hostile bodies answered with something other than 413: ${hostileNot413}`);
    if (peakRss > RSS_LIMIT) console.log(`peak RSS ${(peakRss / MiB).toFixed(0)} MiB is over the 300 MiB limit`);
    return fiveXx > 0 || errors > 0 || hostileNot413 > 0 || peakRss > RSS_LIMIT ? 1 : 0;
  } finally {
    await server?.stop().catch(() => {});
    await database?.stop().catch(() => {});
    fs.rmSync(scratch, { recursive: true, force: true });
    if (pgDir) fs.rmSync(pgDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
