/**
 * `npm run fixtures` (scripts/fetch-fixtures.ts) against a local HTTP server
 * standing in for GitHub: right digests are saved, a wrong one is refused and
 * fails the run, a file inside a published zip is extracted, and what is
 * already there is not downloaded again.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import JSZip from "jszip";

const ROOT = path.resolve(import.meta.dirname, "..");
const TSX = path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
const sha = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

const GOOD = Buffer.from("a real .ipa, as published\n");
const TAMPERED = Buffer.from("not what was pinned\n");
const INNER = Buffer.from("<plist>embedded profile</plist>\n");
let zipBytes: Buffer;
let server: http.Server;
let base: string;
let scratch: string;
const requests: string[] = [];

before(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-fetch-fixtures-"));
  const zip = new JSZip();
  zip.file("Payload/Demo.app/embedded.mobileprovision", INNER);
  zip.file("Payload/Demo.app/Info.plist", "<plist/>");
  zipBytes = await zip.generateAsync({ type: "nodebuffer" });
  server = http.createServer((req, res) => {
    requests.push(req.url ?? "");
    const body: Record<string, Buffer> = { "/good.ipa": GOOD, "/tampered.ipa": TAMPERED, "/archive.ipa": zipBytes };
    // GitHub's /raw/ URLs answer with a redirect to the file.
    if (req.url === "/redirect/good.ipa") {
      res.writeHead(302, { location: "/good.ipa" }).end();
      return;
    }
    const data = body[req.url ?? ""];
    if (!data) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-length": data.length }).end(data);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server?.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

function fetchFixtures(manifest: object, dest: string): Promise<{ code: number | null; out: string }> {
  const file = path.join(scratch, `manifest-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(file, JSON.stringify(manifest));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [TSX, "scripts/fetch-fixtures.ts", "--manifest", file, "--dest", dest], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d));
    child.stderr.on("data", (d: Buffer) => (out += d));
    child.on("close", (code) => resolve({ code, out }));
  });
}

test("right digests are saved, a mismatch is refused and fails the run", async () => {
  const dest = path.join(scratch, "corpus");
  const run = await fetchFixtures(
    {
      files: [
        { path: "ipa/good.ipa", url: `${base}/redirect/good.ipa`, sha256: sha(GOOD) },
        { path: "ipa/tampered.ipa", url: `${base}/tampered.ipa`, sha256: sha(GOOD) },
        {
          path: "profiles/extracted.mobileprovision",
          url: `${base}/archive.ipa`,
          extract: "Payload/Demo.app/embedded.mobileprovision",
          sha256: sha(INNER),
        },
      ],
    },
    dest,
  );
  assert.equal(run.code, 1, run.out);
  assert.deepEqual(fs.readFileSync(path.join(dest, "ipa/good.ipa")), GOOD);
  assert.deepEqual(fs.readFileSync(path.join(dest, "profiles/extracted.mobileprovision")), INNER);
  assert.equal(fs.existsSync(path.join(dest, "ipa/tampered.ipa")), false, "the mismatch is not written");
  assert.deepEqual(fs.readdirSync(path.join(dest, "ipa")), ["good.ipa"], "no partial file left behind");
  assert.match(
    run.out,
    new RegExp(`ipa/tampered\\.ipa: refused, SHA-256 ${sha(TAMPERED)} is not the pinned ${sha(GOOD)}`),
  );
  assert.match(run.out, /2 of 3 files verified/);
});

test("files already there are kept without a download; unpublished ones are reported", async () => {
  const dest = path.join(scratch, "again");
  const manifest = {
    files: [
      { path: "ipa/good.ipa", url: `${base}/good.ipa`, sha256: sha(GOOD) },
      { path: "expected.json", url: null, sha256: sha("{}") },
    ],
  };
  const first = await fetchFixtures(manifest, dest);
  assert.equal(first.code, 1, first.out);
  assert.match(first.out, /expected\.json: made for Ferry's tests and published nowhere/);
  fs.writeFileSync(path.join(dest, "expected.json"), "{}");
  requests.length = 0;
  const second = await fetchFixtures(manifest, dest);
  assert.equal(second.code, 0, second.out);
  assert.deepEqual(requests, [], "nothing downloaded again");
  assert.match(second.out, /2 of 2 files verified \(0 downloaded\)/);
});

test("the repository's manifest pins every file of the corpus with a digest", () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "tests/corpus/manifest.json"), "utf8")) as {
    files: { path: string; url: string | null; sha256: string; commit?: string }[];
  };
  assert.ok(manifest.files.length >= 30);
  for (const file of manifest.files) {
    assert.match(file.sha256, /^[0-9a-f]{64}$/, file.path);
    if (file.url) {
      assert.match(file.url, /^https:\/\/github\.com\/[^/]+\/[^/]+\/raw\/[0-9a-f]{7,40}\//, file.path);
      assert.ok(file.commit && file.url.includes(`/raw/${file.commit}/`), `${file.path} is pinned to its commit`);
    }
  }
  assert.equal(new Set(manifest.files.map((f) => f.path)).size, manifest.files.length);
});
