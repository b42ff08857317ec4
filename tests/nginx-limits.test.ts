/**
 * Issue 20, behind the shipped nginx config (docs/nginx/ferry.conf, TLS
 * stripped): the client address Ferry audits and rate-limits is the one nginx
 * saw, never what the client wrote into X-Forwarded-For (TRUST_PROXY=true: the
 * right-most entry), and nginx caps every body except the upload routes'.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { createToken, type FerryServer, freePort, startFerry } from "./helpers/ferry-server";
import { generateIpa } from "./helpers/generate-ipa";
import { shippedSiteConfig } from "./helpers/nginx-site";
import { rawRequest } from "./helpers/raw-http";
import { queryDatabase } from "./helpers/test-database";

const NGINX = fs.existsSync("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx";
const MiB = 1024 * 1024;

let ferry: FerryServer;
let nginx: ChildProcess;
let nginxLog = "";
let nginxPort: number;
let nginxUrl: string;
let scratch: string;

async function waitForPort(port: number): Promise<void> {
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
  throw new Error(`nginx did not listen on ${port}:\n${nginxLog}`);
}

before(
  async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-nginx-limits-"));
    nginxPort = await freePort();
    nginxUrl = `http://127.0.0.1:${nginxPort}`;
    ferry = await startFerry({ env: { PUBLIC_URL: nginxUrl, TRUST_PROXY: "true" } });
    const ferryPort = Number(new URL(ferry.baseUrl).port);
    // Workers run unprivileged (as root, nginx's master starts them as this user): their temp dirs must be theirs.
    const worker = process.getuid?.() === 0 ? "user nobody nogroup;" : "";
    fs.chmodSync(scratch, 0o755);
    for (const dir of ["body", "proxy", "fastcgi", "uwsgi", "scgi", "logs"]) {
      fs.mkdirSync(path.join(scratch, dir));
      fs.chmodSync(path.join(scratch, dir), 0o777);
    }
    fs.writeFileSync(
      path.join(scratch, "nginx.conf"),
      `${worker}
daemon off;
worker_processes 1;
pid ${scratch}/nginx.pid;
error_log ${scratch}/logs/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${scratch}/body;
  proxy_temp_path ${scratch}/proxy;
  fastcgi_temp_path ${scratch}/fastcgi;
  uwsgi_temp_path ${scratch}/uwsgi;
  scgi_temp_path ${scratch}/scgi;
${shippedSiteConfig(nginxPort, ferryPort, ferry.dataDir)}
}
`,
    );
    nginx = spawn(
      NGINX,
      ["-p", scratch, "-c", path.join(scratch, "nginx.conf"), "-e", path.join(scratch, "logs/error.log")],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    nginx.stdout?.on("data", (d: Buffer) => (nginxLog += d.toString()));
    nginx.stderr?.on("data", (d: Buffer) => (nginxLog += d.toString()));
    await waitForPort(nginxPort);
  },
  { timeout: 120_000 },
);

after(async () => {
  if (nginx && nginx.exitCode === null) {
    const exited = new Promise((r) => nginx.once("exit", r));
    nginx.kill("SIGQUIT");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (nginx.exitCode === null) nginx.kill("SIGKILL");
  }
  await ferry?.stop();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

/** A failed password sign-in through nginx, claiming to come from `claimed`; returns next-auth's error code. */
async function failedSignIn(email: string, claimed: string): Promise<string | null> {
  const headers = { "x-forwarded-for": claimed };
  const csrfRes = await fetch(`${nginxUrl}/api/auth/csrf`, { headers });
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  const cookies = csrfRes.headers.getSetCookie().map((c) => c.split(";")[0]);
  const res = await fetch(`${nginxUrl}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { ...headers, "content-type": "application/x-www-form-urlencoded", cookie: cookies.join("; ") },
    body: new URLSearchParams({ csrfToken, email, password: "password123", json: "true" }),
  });
  const { url } = (await res.json()) as { url: string };
  return new URL(url).searchParams.get("error");
}

test("made-up X-Forwarded-For addresses neither escape the sign-in limit nor reach the audit log", {
  timeout: 240_000,
}, async () => {
  // 30 failures per client address: a password spray, each request claiming another address.
  for (let i = 0; i < 30; i++) {
    assert.equal(await failedSignIn(`spray-${i}@example.com`, `198.51.100.${i + 1}`), "CredentialsSignin");
  }
  assert.equal(await failedSignIn("spray-30@example.com", "198.51.100.200"), "TooManyAttempts");
  const rows = await queryDatabase<{ ip: string | null; n: string }>(
    ferry.databaseUrl,
    "SELECT ip, count(*) AS n FROM audit_events WHERE action LIKE 'sign_in.%' GROUP BY ip",
  );
  assert.deepEqual(rows, [{ ip: "127.0.0.1", n: "31" }], "every row has the address nginx saw");
});

test("nginx refuses a large body to the sign-in endpoint itself, in Ferry's JSON shape", async () => {
  const answer = await rawRequest(nginxPort, {
    method: "POST",
    path: "/api/auth/callback/credentials",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    contentLength: 300 * MiB,
    send: 0,
    timeoutMs: 15_000,
  });
  assert.equal(answer.status, 413);
  assert.equal(answer.headers["content-type"], "application/json");
  const { error } = JSON.parse(answer.body) as { error: { code: string; message: string } };
  assert.equal(error.code, "payload_too_large");
  // nginx's own answer (docs/nginx/ferry.conf), not Ferry's: the body never reached Ferry.
  assert.match(error.message, /too large for this route/);
});

test("the upload route is not capped by nginx: a build larger than the small cap uploads", {
  timeout: 120_000,
}, async () => {
  const file = path.join(scratch, "app.ipa");
  await generateIpa(file, {
    bundleId: "com.example.nginxlimits",
    version: "1.0",
    buildNumber: "1",
    name: "Limits",
    padBytes: 4 * MiB,
  });
  const token = await createToken(ferry);
  const res = await fetch(`${nginxUrl}/api/v1/builds`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
    body: fs.createReadStream(file) as unknown as BodyInit,
    duplex: "half",
  } as RequestInit);
  assert.equal(res.status, 201, await res.clone().text());
});
