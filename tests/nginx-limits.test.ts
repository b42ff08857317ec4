/**
 * Issue 20, behind the shipped nginx config (docs/nginx/ferry.conf, TLS
 * stripped): the client address Ferry audits and rate-limits is the one nginx
 * saw, never what the client wrote into X-Forwarded-For (TRUST_PROXY=true: the
 * right-most entry), and nginx caps every body except the upload routes'.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { createToken, type FerryServer, freePort, startFerry } from "./helpers/ferry-server";
import { generateIpa } from "./helpers/generate-ipa";
import { type ShippedNginx, startShippedNginx } from "./helpers/nginx-site";
import { rawRequest } from "./helpers/raw-http";
import { queryDatabase } from "./helpers/test-database";

const MiB = 1024 * 1024;

let ferry: FerryServer;
let nginx: ShippedNginx | undefined;
let nginxPort: number;
let nginxUrl: string;
let scratch: string;

before(
  async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-nginx-limits-"));
    nginxPort = await freePort();
    nginxUrl = `http://127.0.0.1:${nginxPort}`;
    ferry = await startFerry({ env: { PUBLIC_URL: nginxUrl, TRUST_PROXY: "true" } });
    const ferryPort = Number(new URL(ferry.baseUrl).port);
    // Workers run unprivileged (as root, nginx's master starts them as this user): their temp dirs must be theirs.
    fs.chmodSync(scratch, 0o755);
    nginx = await startShippedNginx({
      scratch,
      port: nginxPort,
      ferryPort,
      dataDir: ferry.dataDir,
      worker: { user: "nobody", group: "nogroup" },
    });
  },
  { timeout: 120_000 },
);

after(async () => {
  await nginx?.stop();
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
