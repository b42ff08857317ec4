/**
 * S3 storage and many instances, over real HTTP: two Ferry instances (different
 * ports, one PostgreSQL database, one bucket on a real S3-protocol server, one
 * AUTH_SECRET). A 30 MB build uploaded on A leaves no copy on A's disk, its
 * manifest fetched through B embeds presigned bucket URLs (Range works), and a
 * download from A killed midway is resumed on B with a Range request.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import * as plist from "plist";
import { buildStorageKey } from "@/lib/storage/build-files";
import { S3Storage } from "@/lib/storage/s3-storage";
import { createToken, type FerryServer, startFerry } from "./helpers/ferry-server";
import { generateIpa } from "./helpers/generate-ipa";
import { killHard } from "./helpers/kill-hard";
import { type S3TestServer, startS3Server } from "./helpers/s3-server";
import { eventually, queryDatabase } from "./helpers/test-database";

let s3: S3TestServer;
let a: FerryServer;
let b: FerryServer;
let scratch: string;
let ipa: { path: string; sha256: string; size: number };
let build: { id: string; sha256: string; manifestUrl: string };

before(async () => {
  s3 = await startS3Server();
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-s3-http-"));
  a = await startFerry({ env: s3.env });
  b = await startFerry({ env: { ...s3.env, AUTH_SECRET: a.authSecret }, databaseUrl: a.databaseUrl });
  const file = path.join(scratch, "big.ipa");
  ipa = {
    path: file,
    ...(await generateIpa(file, {
      bundleId: "com.example.s3big",
      version: "2.0",
      buildNumber: "7",
      name: "S3Big",
      padBytes: 30 * 1024 * 1024,
    })),
  };
  const token = await createToken(a);
  const res = await fetch(`${a.baseUrl}/api/v1/builds`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
    body: fs.createReadStream(file) as unknown as BodyInit,
    duplex: "half",
  } as RequestInit);
  assert.equal(res.status, 201, await res.clone().text());
  build = ((await res.json()) as { build: typeof build }).build;
});

after(async () => {
  await b?.stop();
  await a?.stop();
  await s3?.stop();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name);
}

test("a build uploaded to S3 is in the bucket (multipart) and nowhere on the instance's disk", async () => {
  assert.equal(build.sha256, ipa.sha256);
  const stored = await new S3Storage(s3.config).stat(buildStorageKey(ipa.sha256));
  assert.equal(stored?.size, ipa.size);
  assert.deepEqual(filesUnder(path.join(a.dataDir, "builds")), []);
  assert.deepEqual(filesUnder(path.join(a.dataDir, "icons")), []);
  assert.deepEqual(filesUnder(path.join(a.dataDir, "tmp")), []);
});

test("the manifest (fetched through the other instance, audited) embeds presigned bucket URLs that serve ranges", async () => {
  const manifestUrl = build.manifestUrl.replace(a.baseUrl, b.baseUrl);
  const res = await fetch(manifestUrl);
  assert.equal(res.status, 200);
  const manifest = plist.parse(await res.text()) as { items: { assets: { kind: string; url: string }[] }[] };
  const assets = manifest.items[0]!.assets;
  const ipaUrl = new URL(assets.find((asset) => asset.kind === "software-package")!.url);
  assert.equal(ipaUrl.origin, s3.endpoint);
  assert.ok(ipaUrl.searchParams.get("X-Amz-Signature"));
  // Valid a little longer than the 24 h install link.
  const expires = Number(ipaUrl.searchParams.get("X-Amz-Expires"));
  assert.ok(expires > 24 * 3600 && expires <= 24 * 3600 + 3600, String(expires));
  for (const kind of ["display-image", "full-size-image"]) {
    const icon = assets.find((asset) => asset.kind === kind)!.url;
    assert.ok(icon.startsWith(s3.endpoint), icon);
    const png = Buffer.from(await (await fetch(icon)).arrayBuffer());
    assert.equal(png.subarray(1, 4).toString(), "PNG");
  }
  const ranged = await fetch(ipaUrl, { headers: { Range: "bytes=0-1" } });
  assert.equal(ranged.status, 206);
  assert.equal(await ranged.text(), "PK");
  const whole = createHash("sha256")
    .update(Buffer.from(await (await fetch(ipaUrl)).arrayBuffer()))
    .digest("hex");
  assert.equal(whole, ipa.sha256);
  // The manifest's row is written just behind its answer.
  const audits = await eventually(
    () =>
      queryDatabase<{ n: number }>(
        a.databaseUrl,
        "SELECT count(*)::int AS n FROM audit_events WHERE action = 'manifest.fetch' AND build_id = $1",
        [build.id],
      ),
    (found) => (found[0]?.n ?? 0) >= 1,
  );
  assert.equal(audits[0]?.n, 1);
});

test("/d/<token>/app.ipa streams from the bucket; A killed mid-download, B serves the Range resume", async () => {
  const ipaPath = new URL(build.manifestUrl).pathname.replace(/manifest\.plist$/, "app.ipa");
  const head = await fetch(`${b.baseUrl}${ipaPath}`, { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get("content-length"), String(ipa.size));

  const hash = createHash("sha256");
  let received = 0;
  const res = await fetch(`${a.baseUrl}${ipaPath}`);
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  // Read a few MB, then kill A while the rest is still to come.
  for (let i = 0; i < 10_000 && received < 4 * 1024 * 1024; i++) {
    const { value, done } = await reader.read();
    if (done) break;
    hash.update(value);
    received += value.length;
  }
  assert.ok(received > 0 && received < ipa.size, `received ${received}`);
  killHard(a.pid);
  // The rest of the body from A may still be in flight: drain what arrives until the connection drops.
  try {
    for (let i = 0; i < 100_000; i++) {
      const { value, done } = await reader.read();
      if (done) break;
      hash.update(value);
      received += value.length;
    }
  } catch {
    // The connection to A was cut: expected.
  }
  assert.ok(received < ipa.size, "A did not finish the download before it was killed");
  const resumed = await fetch(`${b.baseUrl}${ipaPath}`, { headers: { Range: `bytes=${received}-` } });
  assert.equal(resumed.status, 206);
  assert.equal(resumed.headers.get("content-range"), `bytes ${received}-${ipa.size - 1}/${ipa.size}`);
  hash.update(Buffer.from(await resumed.arrayBuffer()));
  assert.equal(hash.digest("hex"), ipa.sha256);
});
