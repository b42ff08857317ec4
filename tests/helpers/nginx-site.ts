import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { ROOT } from "./ferry-server";

/** The DOWNLOAD_OFFLOAD_SECRET the tests and benchmarks give Ferry and their nginx. */
export const OFFLOAD_REPORT_SECRET = "test-offload-report-secret-0123456789abcdef";

/**
 * The shipped nginx site (docs/nginx/ferry.conf) minus TLS and the http→https
 * redirect, listening on `port`, proxying to the Ferry on `ferryPort`,
 * serving the internal download locations from its `dataDir` and reporting
 * finished downloads with `reportSecret` (Ferry's DOWNLOAD_OFFLOAD_SECRET).
 * Used by the offload test and the benchmarks, so they run what operators deploy.
 */
export function shippedSiteConfig(
  port: number,
  ferryPort: number,
  dataDir: string,
  reportSecret = OFFLOAD_REPORT_SECRET,
): string {
  let conf = fs.readFileSync(path.join(ROOT, "docs/nginx/ferry.conf"), "utf8").replace(/^\s*#.*$/gm, "");
  conf = conf
    .replace("server 127.0.0.1:3000;", `server 127.0.0.1:${ferryPort};`)
    .replaceAll("/var/lib/ferry/", `${dataDir}/`)
    .replace("REPLACE_WITH_DOWNLOAD_OFFLOAD_SECRET", reportSecret);
  conf = conf.replace(/server \{\s*listen 80;[\s\S]*?\n\}\n/, "");
  conf = conf.replace(/^\s*(listen|ssl_\w+|server_name)\b.*$/gm, "");
  if (!conf.includes("internal;") || !conf.includes("proxy_request_buffering off;") || !conf.includes(reportSecret)) {
    throw new Error("docs/nginx/ferry.conf changed shape: no internal location, streamed uploads or download report");
  }
  return conf.replace("server {", `server {\n    listen 127.0.0.1:${port};`);
}

export interface ShippedNginx {
  process: ChildProcess;
  port: number;
  /** What nginx printed so far (for assertion messages). */
  log: () => string;
  stop: () => Promise<void>;
}

/**
 * Starts nginx (no daemon, one worker, temp folders under `scratch`) with the
 * shipped site in front of the Ferry on `ferryPort`. With `worker`, the master
 * (run as root) starts its worker as that user and group, as a packaged nginx
 * does: `scratch` must then be traversable by them.
 */
export async function startShippedNginx(options: {
  scratch: string;
  port: number;
  ferryPort: number;
  dataDir: string;
  /** Ferry's DOWNLOAD_OFFLOAD_SECRET, put where the shipped site asks for it (default OFFLOAD_REPORT_SECRET). */
  reportSecret?: string;
  worker?: { user: string; group: string };
  /** Defaults: one worker of 64 connections (tests); a benchmark asks for what a server runs. */
  workerProcesses?: number | "auto";
  workerConnections?: number;
}): Promise<ShippedNginx> {
  const { scratch, port } = options;
  for (const dir of ["body", "proxy", "fastcgi", "uwsgi", "scgi", "logs"]) {
    fs.mkdirSync(path.join(scratch, dir));
    // A worker that is not the owner writes request bodies and proxy buffers here.
    if (options.worker) fs.chmodSync(path.join(scratch, dir), 0o777);
  }
  const user = options.worker && process.getuid?.() === 0 ? `user ${options.worker.user} ${options.worker.group};` : "";
  fs.writeFileSync(
    path.join(scratch, "nginx.conf"),
    `${user}
daemon off;
worker_processes ${options.workerProcesses ?? 1};
pid ${scratch}/nginx.pid;
error_log ${scratch}/logs/error.log;
events { worker_connections ${options.workerConnections ?? 64}; }
http {
  access_log off;
  client_body_temp_path ${scratch}/body;
  proxy_temp_path ${scratch}/proxy;
  fastcgi_temp_path ${scratch}/fastcgi;
  uwsgi_temp_path ${scratch}/uwsgi;
  scgi_temp_path ${scratch}/scgi;
${shippedSiteConfig(port, options.ferryPort, options.dataDir, options.reportSecret)}
}
`,
  );
  const child = spawn(
    NGINX,
    ["-p", scratch, "-c", path.join(scratch, "nginx.conf"), "-e", path.join(scratch, "logs/error.log")],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const log = () => output;
  await waitForPort(port, log);
  return {
    process: child,
    port,
    log,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGQUIT");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}

const NGINX = fs.existsSync("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx";

async function waitForPort(port: number, log: () => string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1", () => {
        socket.end();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nginx did not listen on ${port}:\n${log()}`);
}
