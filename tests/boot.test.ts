/**
 * A fresh machine: no DATABASE_URL (embedded PostgreSQL under DATA_DIR), no
 * AUTH_SECRET, no ADMIN_* — and everything survives a restart.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { createToken, type FerryServer, ROOT, startFerry } from "./helpers/ferry-server";
import { passwordSession } from "./helpers/session";
import { makeTestBuild } from "./helpers/test-builds";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-boot-"));
const unset = { DATABASE_URL: "", AUTH_SECRET: "", ADMIN_EMAIL: "", ADMIN_PASSWORD: "" };
let server: FerryServer | undefined;

after(async () => {
  await server?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function signIn(baseUrl: string, email: string, password: string): Promise<string> {
  return (await passwordSession(baseUrl, email, password)) ?? "";
}

test("first start on an empty machine, then a restart keeps everything", async () => {
  server = await startFerry({ embedded: true, dataDir, env: unset });
  const first = server.output();
  assert.match(first, /Creating an embedded PostgreSQL cluster/);
  const password = /Password:\s+(\S+)/.exec(first)?.[1];
  assert.ok(password, `a generated admin password is printed:\n${first}`);
  assert.match(first, /Email:\s+admin@localhost/);
  assert.ok(fs.existsSync(path.join(dataDir, "postgres", "PG_VERSION")), "the cluster lives under DATA_DIR");
  assert.ok(fs.existsSync(path.join(dataDir, "auth-secret")), "the generated secret is kept in DATA_DIR");

  // The printed password signs in; a wrong one does not.
  const cookie = await signIn(server.baseUrl, "admin@localhost", password);
  assert.ok(cookie, "signed in with the printed password");
  assert.equal(await signIn(server.baseUrl, "admin@localhost", "wrong-password"), "");
  const home = await fetch(`${server.baseUrl}/`, { headers: { cookie } });
  assert.equal(home.status, 200);
  assert.match(await home.text(), /Apps/);

  // The CLI works next to the running server (it reuses the embedded database).
  const token = await createToken(server, "admin@localhost");
  assert.match(token, /^ferry_[A-Za-z0-9_-]{43}$/, "stdout is the token and nothing else");
  const form = new FormData();
  form.append("file", await fs.openAsBlob((await makeTestBuild({ bundleId: "com.example.ferry.boot" })).path), "a.ipa");
  const uploaded = await fetch(`${server.baseUrl}/api/v1/builds`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  assert.equal(uploaded.status, 201);
  const { build } = (await uploaded.json()) as { build: { manifestUrl: string; appId: string } };
  await server.stop();

  // Restart on the same DATA_DIR.
  server = await startFerry({ embedded: true, dataDir, env: unset });
  assert.doesNotMatch(server.output(), /Password:/, "the password is shown only once");
  assert.doesNotMatch(server.output(), /Creating an embedded PostgreSQL cluster/);
  const apps = await fetch(`${server.baseUrl}/api/v1/apps`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(apps.status, 200, "the API token survived the restart");
  const body = (await apps.json()) as { apps: { id: string; bundleId: string }[] };
  assert.deepEqual(
    body.apps.map((a) => a.bundleId),
    ["com.example.ferry.boot"],
  );
  // An install link minted before the restart still verifies: the secret was kept.
  const manifest = await fetch(build.manifestUrl.replace(/^http:\/\/127\.0\.0\.1:\d+/, server.baseUrl));
  assert.equal(manifest.status, 200);
  assert.ok(await signIn(server.baseUrl, "admin@localhost", password), "the admin password still works");
});

test("invalid configuration stops the start with a clear message", () => {
  const result = spawnSync(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), "scripts/start.ts"], {
    cwd: ROOT,
    env: { ...process.env, PORT: "seventy", PUBLIC_URL: "ftp://nope", DATA_DIR: dataDir } as NodeJS.ProcessEnv,
    encoding: "utf8",
  });
  assert.equal(result.status, 1);
  assert.match(result.stderr, /Invalid configuration/);
  assert.match(result.stderr, /PORT: PORT must be a number/);
  assert.match(result.stderr, /PUBLIC_URL/);
});
