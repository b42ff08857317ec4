/**
 * Issue 18: a fresh clone started exactly as the README's quick start says
 * (`npm install && npm start`, nothing configured) serves every asset its
 * pages reference: the sign-in page, an app's install page (served without
 * the React runtime, enhanced by /page-script.js) and a build page.
 *
 * The clone is `git clone` of this checkout's committed HEAD. Its
 * node_modules are hard links to this checkout's (only directories are new,
 * so nothing written in the clone reaches the original files' contents), and
 * `npm install --offline` then does what it does on a fresh machine once the
 * packages are there: checks them against the lockfile and runs postinstall.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { freePort, ROOT } from "./helpers/ferry-server";
import { passwordSession } from "./helpers/session";
import { makeTestBuild } from "./helpers/test-builds";

const STARTUP_MS = 8 * 60_000;
let scratch: string;
let clone: string;
let child: ChildProcess | undefined;
let output = "";
let baseUrl: string;
let password: string;
let env: NodeJS.ProcessEnv;

/** The environment of a machine where nothing of Ferry's is configured. */
function bareEnv(port: number): NodeJS.ProcessEnv {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(FERRY_|DATABASE_URL|DATA_DIR|AUTH_SECRET|ADMIN_|PUBLIC_URL|NODE_ENV|NODE_TEST_CONTEXT|npm_)/.test(k))
      continue;
    out[k] = v;
  }
  // Only the port (others' servers run on this machine) and loopback; everything else as the README leaves it.
  return { ...out, PORT: String(port), HOSTNAME: "127.0.0.1" } as unknown as NodeJS.ProcessEnv;
}

function sh(command: string, args: string[], cwd: string): void {
  const result = spawnSync(command, args, { cwd, env, encoding: "utf8", timeout: STARTUP_MS });
  assert.equal(result.status, 0, `${command} ${args.join(" ")}:\n${result.stdout}\n${result.stderr}`);
}

before(
  async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-fresh-clone-"));
    // Run as root, the embedded PostgreSQL runs as the postgres user, which must reach the clone's binaries.
    fs.chmodSync(scratch, 0o711);
    clone = path.join(scratch, "ferry");
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    env = bareEnv(port);
    sh("git", ["clone", "--quiet", ROOT, clone], scratch);
    assert.equal(fs.existsSync(path.join(clone, "public", "page-script.js")), false, "a clone has no built script");
    sh("cp", ["-al", path.join(ROOT, "node_modules"), path.join(clone, "node_modules")], scratch);
    sh("npm", ["install", "--offline", "--no-audit", "--no-fund"], clone);
    // `npm start`, as the README says: it builds what a fresh checkout lacks, then serves.
    child = spawn("npm", ["start"], { cwd: clone, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    child.stdout?.on("data", (d: Buffer) => (output += d));
    child.stderr?.on("data", (d: Buffer) => (output += d));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not listening after ${STARTUP_MS} ms:\n${output}`)), STARTUP_MS);
      child?.stdout?.on("data", () => {
        if (output.includes("Ferry is listening")) {
          clearTimeout(timer);
          resolve();
        }
      });
      child?.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`npm start exited with ${code}:\n${output}`));
      });
    });
    child.removeAllListeners("exit");
    password = /Password:\s+(\S+)/.exec(output)?.[1] ?? "";
    assert.ok(password, `the first admin's password is printed:\n${output}`);
  },
  { timeout: STARTUP_MS + 4 * 60_000 },
);

after(
  async () => {
    if (child?.pid && child.exitCode === null) {
      const exited = new Promise((r) => child?.once("exit", r));
      // The whole group: npm, the launcher and the embedded PostgreSQL it started.
      process.kill(-child.pid, "SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {}
    }
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  },
  { timeout: 60_000 },
);

/** Every same-origin asset a page's HTML references: script src, link href, img src. */
function assetsOf(html: string): string[] {
  const urls = new Set<string>();
  for (const match of html.matchAll(/<(?:script|img)\b[^>]*\bsrc="([^"]+)"/gi)) urls.add(match[1]!);
  for (const match of html.matchAll(/<link\b[^>]*\bhref="([^"]+)"/gi)) urls.add(match[1]!);
  return [...urls]
    .map((u) => u.replaceAll("&amp;", "&"))
    .filter((u) => !u.startsWith("data:"))
    .map((u) => new URL(u, baseUrl))
    .filter((u) => u.origin === baseUrl)
    .map((u) => `${u.pathname}${u.search}`);
}

async function assertAssetsLoad(pagePath: string, cookie: string | null): Promise<string[]> {
  const res = await fetch(`${baseUrl}${pagePath}`, { headers: cookie ? { cookie } : {}, redirect: "manual" });
  assert.equal(res.status, 200, `${pagePath}`);
  const assets = assetsOf(await res.text());
  assert.ok(assets.length > 0, `${pagePath} references assets`);
  for (const asset of assets) {
    const got = await fetch(`${baseUrl}${asset}`, { headers: cookie ? { cookie } : {}, redirect: "manual" });
    assert.equal(got.status, 200, `${asset}, referenced by ${pagePath}`);
    await got.arrayBuffer();
  }
  return assets;
}

test("the sign-in, install and build pages of a fresh clone load every asset they reference", {
  timeout: 5 * 60_000,
}, async () => {
  await assertAssetsLoad("/sign-in", null);

  // A build to show: uploaded with a token from the clone's own CLI, as the README's CI example does.
  const cli = spawnSync(
    process.execPath,
    [
      "node_modules/tsx/dist/cli.mjs",
      "scripts/cli.ts",
      "token",
      "create",
      "--email",
      "admin@localhost",
      "--name",
      "fresh",
    ],
    {
      cwd: clone,
      env,
      encoding: "utf8",
    },
  );
  assert.equal(cli.status, 0, cli.stderr);
  const token = cli.stdout.trim();
  const made = await makeTestBuild({ bundleId: "com.example.ferry.fresh", name: "Fresh" });
  const form = new FormData();
  form.append("file", await fs.openAsBlob(made.path), "fresh.ipa");
  const up = await fetch(`${baseUrl}/api/v1/builds`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  const { build } = (await up.json()) as { build: { id: string; appId: string } };
  assert.equal(up.status, 201);

  const cookie = await passwordSession(baseUrl, "admin@localhost", password);
  assert.ok(cookie, "signed in with the printed password");
  const install = await assertAssetsLoad(`/apps/${build.appId}`, cookie);
  assert.ok(install.includes("/page-script.js"), `the install page loads /page-script.js: ${install.join(", ")}`);
  await assertAssetsLoad(`/apps/${build.appId}/builds/${build.id}`, cookie);
});
