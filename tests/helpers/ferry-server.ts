import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { createTestDatabase } from "./test-database";

export const ROOT = path.resolve(import.meta.dirname, "../..");
/** A bound against a hang, not a speed: a loaded 2-core machine took over 60 s to start the server. */
const STARTUP_LIMIT_MS = 180_000;
const TSX = path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");

/** What `npm start` passes to node (package.json's "start": "node [flags] scripts/launch.mjs"), so tests run exactly that. */
export function npmStartArgs(): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: { start: string } };
  const words = pkg.scripts.start.trim().split(/\s+/);
  if (words[0] !== "node" || words.at(-1) !== "scripts/launch.mjs" || words.some((w) => /["'$;&|]/.test(w))) {
    throw new Error(`package.json's start script is not "node [flags] scripts/launch.mjs": ${pkg.scripts.start}`);
  }
  return words.slice(1);
}

export type FerryServer = {
  baseUrl: string;
  dataDir: string;
  databaseUrl: string;
  authSecret: string;
  admin: { email: string; password: string };
  env: Record<string, string>;
  output: () => string;
  pid: number;
  cli: (args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>;
  stop: () => Promise<void>;
};

/**
 * A port nothing listens on, chosen below the kernel's ephemeral range: a port
 * from `listen(0)` comes from that range, so any outgoing connection (a database
 * client, a webhook) could take it between this check and the server's bind.
 */
export async function freePort(): Promise<number> {
  const low = ephemeralLow();
  for (let attempt = 0; attempt < 50; attempt++) {
    const candidate = 10_000 + Math.floor(Math.random() * Math.max(1, low - 10_000));
    if (await canListen(candidate)) return candidate;
  }
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => (a && typeof a === "object" ? resolve(a.port) : reject(new Error("no port"))));
    });
  });
}

function ephemeralLow(): number {
  try {
    const low = Number(fs.readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 11_000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

function run(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [TSX, ...args], {
      cwd: ROOT,
      env: { ...cleanEnv(), ...env } as NodeJS.ProcessEnv,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** The parent's environment minus Ferry's own variables, so each server is configured only by the test. */
function cleanEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  const ferryVars = new Set([
    "PORT",
    "PUBLIC_URL",
    "DATABASE_URL",
    "DATA_DIR",
    "AUTH_SECRET",
    "INSTALL_LINK_TTL",
    "MAX_UPLOAD_SIZE",
    "UPLOAD_IDLE_TIMEOUT",
    "ADMIN_EMAIL",
    "ADMIN_PASSWORD",
    "HOSTNAME",
    "NEXTAUTH_URL",
    "NEXTAUTH_SECRET",
    "TRUST_PROXY",
    "OIDC_ISSUER",
    "OIDC_CLIENT_ID",
    "OIDC_CLIENT_SECRET",
    "OIDC_NAME",
    "MOBILECONFIG_SIGNING_CERT",
    "MOBILECONFIG_SIGNING_KEY",
    "STORAGE",
    "S3_BUCKET",
    "S3_REGION",
    "S3_ENDPOINT",
    "S3_FORCE_PATH_STYLE",
    "DOWNLOAD_OFFLOAD",
    "DOWNLOAD_OFFLOAD_PREFIX",
    "DOWNLOAD_OFFLOAD_SECRET",
    "WEBHOOK_ALLOW_PRIVATE",
    "WEBHOOK_ALLOW_LOOPBACK",
    "SMTP_URL",
    "MAIL_FROM",
    "NOTIFY_BATCH_WINDOW",
    "JOB_WORKER",
    "SIGNING_KEY_SECRET",
    "CODESIGN_EXTRA_ROOTS",
    "APP_STORE_CONNECT_API_URL",
  ]);
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !ferryVars.has(k)) out[k] = v;
  return out;
}

/**
 * Starts a real Ferry server (scripts/start.ts, the production build) on a free
 * port with its own data directory and database.
 */
export async function startFerry(
  options: {
    env?: Record<string, string>;
    embedded?: boolean;
    dataDir?: string;
    /** Share another instance's database (its owner drops it) instead of a fresh one. */
    databaseUrl?: string;
    /** "compiled": what `npm start` runs (dist/start.mjs with plain node) instead of scripts/start.ts through tsx. */
    launcher?: "tsx" | "compiled";
  } = {},
): Promise<FerryServer> {
  let port = await freePort();
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "ferry-data-"));
  const db = options.embedded || options.databaseUrl ? null : await createTestDatabase();
  const admin = { email: "admin@example.com", password: `pw-${randomBytes(6).toString("hex")}` };
  const authSecret = randomBytes(32).toString("base64url");
  const envFor = (p: number): Record<string, string> => ({
    PORT: String(p),
    HOSTNAME: "127.0.0.1",
    PUBLIC_URL: `http://127.0.0.1:${p}`,
    DATA_DIR: dataDir,
    AUTH_SECRET: authSecret,
    ADMIN_EMAIL: admin.email,
    ADMIN_PASSWORD: admin.password,
    NODE_ENV: "production",
    ...(db ? { DATABASE_URL: db.url } : {}),
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    ...options.env,
  });
  let env = envFor(port);
  const args = options.launcher === "compiled" ? npmStartArgs() : [TSX, "scripts/start.ts"];
  let started: Launched;
  // Another process may still bind the port first; a new port is then a fresh try, not a failure.
  for (let attempt = 1; ; attempt++) {
    started = await launch(args, env);
    if (started.error === null) break;
    const portClash = started.output().includes("EADDRINUSE") && !options.env?.PORT;
    if (!portClash || attempt >= 3) {
      void db?.drop().catch(() => {});
      throw new Error(started.error);
    }
    port = await freePort();
    env = envFor(port);
  }
  const { child } = started;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    }
    await db?.drop().catch(() => {});
    if (!options.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  };
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    dataDir,
    databaseUrl: db?.url ?? options.databaseUrl ?? "",
    authSecret,
    admin,
    env,
    output: started.output,
    pid: child.pid ?? 0,
    cli: (args) => run(["scripts/cli.ts", ...args], env),
    stop,
  };
}

type Launched = { child: ChildProcess; output: () => string; error: string | null };

/** Spawns the server and waits until it listens, exits or runs out of time (then it is killed). */
async function launch(args: string[], env: Record<string, string>): Promise<Launched> {
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...cleanEnv(), ...env } as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const error = await new Promise<string | null>((resolve) => {
    const timer = setTimeout(() => {
      // Not left running: its output pipes would keep the test process alive after the failure.
      child.kill("SIGTERM");
      resolve(`Ferry did not start in ${STARTUP_LIMIT_MS / 1000} s:\n${output}`);
    }, STARTUP_LIMIT_MS);
    child.stdout?.on("data", () => {
      if (output.includes("Ferry is listening")) {
        clearTimeout(timer);
        resolve(null);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve(`Ferry exited with ${code}:\n${output}`);
    });
  });
  child.removeAllListeners("exit");
  return { child, output: () => output, error };
}

/** Creates an API token through the real CLI. */
export async function createToken(
  server: FerryServer,
  email = server.admin.email,
  extra: string[] = [],
): Promise<string> {
  const result = await server.cli(["token", "create", "--email", email, "--name", "test", ...extra]);
  if (result.code !== 0) throw new Error(`token create failed: ${result.stderr}`);
  return result.stdout.trim();
}

/** Creates a user with the CLI (as an operator would); returns their id. */
export async function createUser(
  server: FerryServer,
  user: { email: string; password: string; role?: "admin" | "uploader" | "member" },
): Promise<string> {
  const args = ["user", "create", "--email", user.email, "--password", user.password];
  const result = await server.cli(user.role ? [...args, "--role", user.role] : args);
  if (result.code !== 0) throw new Error(`user create failed: ${result.stderr}`);
  return result.stdout.trim();
}
