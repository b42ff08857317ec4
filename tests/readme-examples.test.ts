/**
 * The README's copy-paste CI examples work: the curl upload line marked
 * `<!-- ci:upload … -->` is run as written, by `sh` and the real curl binary,
 * against a running server. Only its environment is supplied (FERRY_URL,
 * FERRY_TOKEN, and MyApp.ipa in the working directory), as a CI job would.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { createToken, type FerryServer, ROOT, startFerry } from "./helpers/ferry-server";
import { generateIpa } from "./helpers/generate-ipa";

/** The shell command in the first ```sh block after `<!-- ci:<name>`, continuation lines joined. */
function readmeCommand(name: string): string {
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const at = readme.indexOf(`<!-- ci:${name}`);
  assert.ok(at >= 0, `README.md has no <!-- ci:${name} --> marker`);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at));
  assert.ok(block?.[1], `no sh code block after <!-- ci:${name} -->`);
  const lines = block[1]
    .replace(/\\\n\s*/g, " ")
    .trim()
    .split("\n");
  assert.equal(lines.length, 1, "the marked block holds exactly one command");
  return lines[0] ?? "";
}

function runShell(
  command: string,
  cwd: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", command], { cwd, env: { ...process.env, ...env }, timeout: 60_000 });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("README CI examples", () => {
  let server: FerryServer;
  let token: string;
  let workDir: string;

  before(async () => {
    server = await startFerry();
    token = await createToken(server);
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-readme-"));
    await generateIpa(path.join(workDir, "MyApp.ipa"), {
      bundleId: "com.example.readme",
      version: "2.3.4",
      buildNumber: "56",
      name: "ReadmeApp",
      padBytes: 64 * 1024,
    });
  });
  after(async () => {
    await server?.stop();
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  });

  test("the curl upload line uploads a build: 201 and the build's JSON", async () => {
    const command = readmeCommand("upload");
    assert.match(command, /^curl /, "the example is a curl command");
    // The status goes on its own last line; curl takes options after the URL too.
    const result = await runShell(`${command} -w '\\n%{http_code}'`, workDir, {
      FERRY_URL: server.env.PUBLIC_URL ?? server.baseUrl,
      FERRY_TOKEN: token,
    });
    assert.equal(result.code, 0, `curl failed: ${result.stderr}\n${result.stdout}`);
    const lines = result.stdout.trimEnd().split("\n");
    const status = lines.pop();
    assert.equal(status, "201", result.stdout);
    const body = JSON.parse(lines.join("\n")) as {
      build: Record<string, unknown> & { channels: string[]; installUrl: string; pageUrl: string };
    };
    assert.equal(body.build.bundleId, "com.example.readme");
    assert.equal(body.build.version, "2.3.4");
    assert.equal(body.build.buildNumber, "56");
    assert.equal(body.build.notes, "Built by CI");
    assert.ok(body.build.channels.includes("beta"), `channels: ${body.build.channels.join(", ")}`);
    assert.match(body.build.installUrl, /^itms-services:\/\/\?action=download-manifest&url=/);
    assert.ok(body.build.pageUrl.startsWith(server.baseUrl));
    assert.match(String(body.build.id), /^[0-9a-f-]{36}$/);
  });

  test("a wrong token makes the same line exit non-zero with Ferry's JSON error", async () => {
    const result = await runShell(readmeCommand("upload"), workDir, {
      FERRY_URL: server.env.PUBLIC_URL ?? server.baseUrl,
      FERRY_TOKEN: "not-a-token",
    });
    assert.notEqual(result.code, 0);
    const body = JSON.parse(result.stdout) as { error: { code: string } };
    assert.equal(body.error.code, "unauthorized");
  });
});
