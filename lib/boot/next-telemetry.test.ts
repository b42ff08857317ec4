import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";

const root = path.resolve(import.meta.dirname, "../..");
const NOTICE = /Next\.js now collects completely anonymous telemetry/;

/** The environment of a fresh machine: no telemetry choice made, no CI, Next's config store empty. */
function freshEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.NEXT_TELEMETRY_DISABLED;
  delete env.CI;
  env.XDG_CONFIG_HOME = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-next-conf-"));
  return { ...env, ...extra };
}

/** Runs Next's own Telemetry the way an entry point does, optionally after importing our module first. */
function nextTelemetry(importOurs: boolean, env: NodeJS.ProcessEnv): { enabled: boolean; output: string } {
  const distDir = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-next-dist-"));
  const script = `${importOurs ? 'await import("./lib/boot/next-telemetry.ts");' : ""}
    const { Telemetry } = await import("next/dist/telemetry/storage.js");
    const telemetry = new Telemetry({ distDir: ${JSON.stringify(distDir)} });
    console.log("enabled=" + telemetry.isEnabled);`;
  const result = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd: root,
    env,
    encoding: "utf8",
    timeout: 30_000,
  });
  fs.rmSync(distDir, { recursive: true, force: true });
  const output = result.stdout + result.stderr;
  assert.equal(result.status, 0, output);
  return { enabled: /enabled=true/.test(output), output };
}

test("Next.js telemetry: on by default in Next, off once an entry point loads lib/boot/next-telemetry", () => {
  // Control: on a fresh machine Next itself would announce telemetry and send it.
  const bare = nextTelemetry(false, freshEnv());
  assert.match(bare.output, NOTICE);
  assert.equal(bare.enabled, true);

  const ours = nextTelemetry(true, freshEnv());
  assert.doesNotMatch(ours.output, NOTICE);
  assert.equal(ours.enabled, false);

  // An explicit choice wins: an empty value lets the operator opt in.
  assert.equal(nextTelemetry(true, freshEnv({ NEXT_TELEMETRY_DISABLED: "" })).enabled, true);
});

test("every script that runs Next loads it before Next", () => {
  // `npm start` runs the compiled launcher: scripts/launch.mjs imports the telemetry module before the server.
  const launch = fs.readFileSync(path.join(root, "scripts/launch.mjs"), "utf8");
  const telemetryAt = launch.indexOf('await import(pathToFileURL(path.join(dist, "next-telemetry.mjs"))');
  const serverAt = launch.indexOf('await import(pathToFileURL(path.join(dist, "start.mjs"))');
  assert.ok(telemetryAt >= 0 && serverAt > telemetryAt, "launch.mjs loads it before the server");
  for (const file of ["scripts/start.ts", "scripts/run-tests.ts"]) {
    const source = fs.readFileSync(path.join(root, file), "utf8");
    const firstImport = /^import .*$/m.exec(source)?.[0];
    assert.equal(firstImport, 'import "@/lib/boot/next-telemetry";', `${file} imports it first`);
  }
  // `npm run build` (also used by the test runner) sets it in the shell unless already set.
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: { build: string } };
  // The step that runs Next (the Prisma generation before it is irrelevant here).
  const nextStep = pkg.scripts.build.split("&&").find((step) => /\bnext build\b/.test(step)) ?? "";
  const build = nextStep.replace(/\bnext build\b/, "node -p \"process.env.NEXT_TELEMETRY_DISABLED ?? 'unset'\"");
  assert.notEqual(build, nextStep, "the build script runs next build");
  const run = (env: NodeJS.ProcessEnv) =>
    spawnSync("sh", ["-c", build], { cwd: root, env, encoding: "utf8", timeout: 30_000 })
      .stdout.trim()
      .split("\n")
      .pop();
  assert.equal(run(freshEnv()), "1");
  assert.equal(run(freshEnv({ NEXT_TELEMETRY_DISABLED: "" })), "");
});
