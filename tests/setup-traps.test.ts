/**
 * Set-up traps a newcomer falls into on the first `npm start`.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { freePort, ROOT } from "./helpers/ferry-server";

const closed = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-closed-"));
after(() => fs.rmSync(closed, { recursive: true, force: true }));

const isRoot = process.getuid?.() === 0;

test("as root with DATA_DIR inside a 0700 directory: one clear sentence and a non-zero exit, no stack trace", {
  skip: !isRoot && "PostgreSQL switches to the postgres user only when Ferry runs as root",
}, async () => {
  fs.chmodSync(closed, 0o700);
  const dataDir = path.join(closed, "data");
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: String(await freePort()) };
  for (const name of ["DATABASE_URL", "AUTH_SECRET", "ADMIN_EMAIL", "ADMIN_PASSWORD", "PUBLIC_URL", "HOSTNAME"]) {
    delete env[name];
  }
  const child = spawn(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), "scripts/start.ts"], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  // Bounded: a start that neither fails nor serves within 30 s is a failure too.
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve(null);
    }, 30_000);
    child.on("exit", (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  const output = `${stdout}\n${stderr}`;
  assert.notEqual(code, null, `Ferry neither failed nor started:\n${output}`);
  assert.notEqual(code, 0, output);
  assert.doesNotMatch(output, /Ferry is listening/);
  assert.doesNotMatch(output, /^\s+at /m, `no stack trace:\n${output}`);
  assert.doesNotMatch(output, /EACCES|init script failed/);
  const sentence = stderr.trim();
  assert.equal(sentence.split("\n").length, 1, `one line:\n${stderr}`);
  assert.match(sentence, /system user "postgres"/);
  assert.ok(sentence.includes(dataDir), "names DATA_DIR");
  assert.ok(sentence.includes(closed), "names the directory that is closed");
  assert.match(sentence, /chmod o\+x/);
  assert.match(sentence, /DATABASE_URL/);
});
