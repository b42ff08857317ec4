/**
 * The core slice with every real archive of the corpus: each real .ipa
 * uploads, its manifest and .ipa download without cookies; each real invalid
 * archive is rejected with its own code, leaving nothing behind.
 * (The same slice on generated builds: upload-install.test.ts.)
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import * as plist from "plist";
import { createToken, type FerryServer, startFerry } from "./helpers/ferry-server";
import { fixturePath } from "./helpers/fixtures";
import { queryDatabase } from "./helpers/test-database";

type Expected = {
  ipa: Record<
    string,
    {
      sha256: string;
      sizeBytes: number;
      bundleId: string;
      version: string;
      build: string;
      displayName: string | null;
      bundleName: string;
      minimumOSVersion: string | null;
    }
  >;
  invalid: Record<string, unknown>;
};
const expected = JSON.parse(fs.readFileSync(fixturePath("expected.json"), "utf8")) as Expected;

const INVALID_CODES: Record<string, string> = {
  "fastlane--not-an-ipa.ipa": "not_a_zip",
  "fastlane--iOSAppOnly.ipa": "payload_nested",
  "fastlane--ContainsWatchApp.ipa": "payload_nested",
  "fastlane--no-app-bundle.ipa": "no_app_bundle",
  "fastlane--with_no_swift.ipa": "missing_info_plist",
  "isign--NotAnApp.ipa": "no_payload",
  "isign--TestSimulator.app.zip": "not_an_ios_app",
};

type BuildJson = {
  id: string;
  appId: string;
  bundleId: string;
  version: string;
  buildNumber: string;
  name: string;
  sizeBytes: number;
  sha256: string;
  pageUrl: string;
  manifestUrl: string;
  installUrl: string;
};

let server: FerryServer;
let token: string;
let scratch: string;

async function upload(file: string, mode: "multipart" | "raw", auth = token, extra: Record<string, string> = {}) {
  const headers: Record<string, string> = { authorization: `Bearer ${auth}` };
  let body: BodyInit;
  if (mode === "multipart") {
    const form = new FormData();
    for (const [k, v] of Object.entries(extra)) form.append(k, v);
    form.append("file", await fs.openAsBlob(file), path.basename(file));
    body = form;
  } else {
    headers["content-type"] = "application/octet-stream";
    body = fs.createReadStream(file) as unknown as BodyInit;
  }
  const res = await fetch(`${server.baseUrl}/api/v1/builds`, {
    method: "POST",
    headers,
    body,
    ...(mode === "raw" ? { duplex: "half" } : {}),
  } as RequestInit);
  return {
    status: res.status,
    json: (await res.json()) as { build?: BuildJson; error?: { code: string; message: string } },
  };
}

function sha256(buf: Buffer): string {
  return createHash("sha256").update(buf).digest("hex");
}

async function storedState() {
  const [counts] = await queryDatabase<{ apps: string; builds: string }>(
    server.databaseUrl,
    "SELECT (SELECT count(*) FROM apps) AS apps, (SELECT count(*) FROM builds) AS builds",
  );
  const list = (dir: string): string[] =>
    fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).map(String).sort() : [];
  return { counts, builds: list(path.join(server.dataDir, "builds")), tmp: list(path.join(server.dataDir, "tmp")) };
}

before(async () => {
  server = await startFerry();
  token = await createToken(server);
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-upload-test-"));
});

after(async () => {
  await server?.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
});

describe("every real .ipa", () => {
  const names = Object.keys(expected.ipa);
  for (const [index, name] of names.entries()) {
    test(`${name}: uploads, manifest and download work without cookies`, async () => {
      const truth = expected.ipa[name]!;
      const file = fixturePath("ipa", name);
      const { status, json } = await upload(file, index % 2 === 0 ? "multipart" : "raw");
      assert.equal(status, 201, JSON.stringify(json));
      const build = json.build!;
      assert.equal(build.bundleId, truth.bundleId);
      assert.equal(build.version, truth.version);
      assert.equal(build.buildNumber, truth.build);
      assert.equal(build.name, truth.displayName ?? truth.bundleName);
      assert.equal(build.sizeBytes, truth.sizeBytes);
      assert.equal(build.sha256, truth.sha256);
      assert.ok(build.pageUrl.startsWith(`${server.baseUrl}/apps/${build.appId}/builds/${build.id}`));
      assert.equal(
        build.installUrl,
        `itms-services://?action=download-manifest&url=${encodeURIComponent(build.manifestUrl)}`,
      );

      // The manifest, fetched like iOS does: no cookie, no Authorization.
      const manifestRes = await fetch(build.manifestUrl);
      assert.equal(manifestRes.status, 200);
      assert.match(manifestRes.headers.get("content-type") ?? "", /xml/);
      assert.match(manifestRes.headers.get("cache-control") ?? "", /no-store/);
      const manifest = plist.parse(await manifestRes.text()) as {
        items: { assets: { kind: string; url: string }[]; metadata: Record<string, string> }[];
      };
      const item = manifest.items[0]!;
      assert.equal(item.metadata["bundle-identifier"], truth.bundleId);
      assert.equal(item.metadata["bundle-version"], truth.version);
      assert.equal(item.metadata.kind, "software");
      assert.equal(item.metadata.title, truth.displayName ?? truth.bundleName);
      const ipaUrl = item.assets.find((a) => a.kind === "software-package")!.url;
      assert.ok(ipaUrl.startsWith(`${server.baseUrl}/d/`), ipaUrl);

      // HEAD then GET, as iOS does.
      const head = await fetch(ipaUrl, { method: "HEAD" });
      assert.equal(head.status, 200);
      assert.equal(head.headers.get("content-length"), String(truth.sizeBytes));
      assert.equal(head.headers.get("accept-ranges"), "bytes");
      assert.equal(head.headers.get("etag"), `"${truth.sha256}"`);
      const full = await fetch(ipaUrl);
      assert.equal(full.status, 200);
      assert.equal(full.headers.get("content-length"), String(truth.sizeBytes));
      assert.equal(full.headers.get("content-type"), "application/octet-stream");
      assert.match(full.headers.get("cache-control") ?? "", /private/);
      assert.equal(sha256(Buffer.from(await full.arrayBuffer())), truth.sha256);

      // The same bytes in three ranges.
      const size = truth.sizeBytes;
      const cuts = [0, Math.floor(size / 3), Math.floor((2 * size) / 3), size];
      const parts: Buffer[] = [];
      for (let i = 0; i < 3; i += 1) {
        const res = await fetch(ipaUrl, { headers: { range: `bytes=${cuts[i]}-${cuts[i + 1]! - 1}` } });
        assert.equal(res.status, 206);
        assert.equal(res.headers.get("content-range"), `bytes ${cuts[i]}-${cuts[i + 1]! - 1}/${size}`);
        parts.push(Buffer.from(await res.arrayBuffer()));
      }
      assert.equal(sha256(Buffer.concat(parts)), truth.sha256);
      const unsatisfiable = await fetch(ipaUrl, { headers: { range: `bytes=${size}-` } });
      assert.equal(unsatisfiable.status, 416);
      assert.equal(unsatisfiable.headers.get("content-range"), `bytes */${size}`);
    });
  }
});

describe("bad input is rejected and stores nothing", () => {
  for (const [name, code] of Object.entries(INVALID_CODES)) {
    test(`${name} → ${code}`, async () => {
      assert.ok(name in expected.invalid, `${name} is a known invalid fixture`);
      const beforeState = await storedState();
      const { status, json } = await upload(fixturePath("invalid", name), "multipart");
      assert.equal(status, 422, JSON.stringify(json));
      assert.equal(json.error?.code, code);
      assert.ok((json.error?.message.length ?? 0) > 20, "a specific message");
      assert.deepEqual(await storedState(), beforeState);
    });
  }

  test("every file in invalid/ has an expected code", () => {
    assert.deepEqual(fs.readdirSync(fixturePath("invalid")).sort(), Object.keys(INVALID_CODES).sort());
  });
});
