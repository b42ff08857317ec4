/**
 * The core slice over real HTTP against a real server and database: upload
 * generated builds of every shape, read the manifest and download the .ipa
 * without cookies, reject invalid archives leaving nothing behind. (Every real
 * archive of the corpus: upload-install.corpus.test.ts.)
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import JSZip from "jszip";
import * as plist from "plist";
import { signInstallToken } from "@/lib/install-links/install-token";
import { createToken, createUser, type FerryServer, startFerry } from "./helpers/ferry-server";
import { generateIpa } from "./helpers/generate-ipa";
import { makeTestBuild, type TestBuildOptions } from "./helpers/test-builds";
import { queryDatabase } from "./helpers/test-database";

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

describe("generated builds of every shape", () => {
  const shapes: { label: string; options: Partial<TestBuildOptions>; displayName?: string }[] = [
    { label: "XML Info.plist", options: { infoPlist: "xml" } },
    { label: "binary Info.plist", options: { infoPlist: "binary" }, displayName: "Shown Name" },
    { label: "data descriptors", options: { dataDescriptors: true } },
    { label: "ZIP64 records", options: { forceZip64: true, directoryEntries: false } },
  ];
  for (const [index, shape] of shapes.entries()) {
    test(`${shape.label}: uploads, manifest and download work without cookies`, async () => {
      const bundleId = `com.example.ferry.shape${index}`;
      const made = await makeTestBuild({
        bundleId,
        name: `Shape${index}`,
        version: `1.${index}`,
        buildNumber: String(10 + index),
        padBytes: 64 * 1024 + index,
        ...(shape.displayName ? { displayName: shape.displayName } : {}),
        ...shape.options,
      });
      const file = made.path;
      const truth = {
        bundleId,
        version: `1.${index}`,
        build: String(10 + index),
        displayName: shape.displayName ?? `Shape${index}`,
        bundleName: `Shape${index}`,
        sizeBytes: made.size,
        sha256: made.sha256,
      };
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

  test("re-uploading identical bytes returns the existing build", async () => {
    const made = await makeTestBuild({ bundleId: "com.example.ferry.again" });
    const file = made.path;
    const first = await upload(file, "raw");
    const again = await upload(file, "multipart");
    assert.ok(first.status === 200 || first.status === 201);
    assert.equal(again.status, 200);
    assert.equal(again.json.build!.id, first.json.build!.id);
    const [row] = await queryDatabase<{ n: string }>(
      server.databaseUrl,
      "SELECT count(*) AS n FROM builds WHERE sha256 = $1",
      [made.sha256],
    );
    assert.equal(row!.n, "1");
  });
});

describe("install links", () => {
  let build: BuildJson;
  before(async () => {
    build = (await upload((await makeTestBuild({ bundleId: "com.example.ferry.links" })).path, "raw")).json.build!;
  });

  test("a tampered token gets 404", async () => {
    const url = new URL(build.manifestUrl);
    const [, , tokenPart] = url.pathname.split("/");
    const flipped = tokenPart!.slice(0, 10) + (tokenPart![10] === "A" ? "B" : "A") + tokenPart!.slice(11);
    for (const suffix of ["manifest.plist", "app.ipa"]) {
      const res = await fetch(`${server.baseUrl}/d/${flipped}/${suffix}`);
      assert.equal(res.status, 404);
      const body = (await res.json()) as { error: { code: string } };
      assert.equal(body.error.code, "invalid_token");
    }
  });

  test("an expired token gets 403 and no file", async () => {
    const [userRow] = await queryDatabase<{ id: string; session_version: number }>(
      server.databaseUrl,
      "SELECT id, session_version FROM users WHERE email = $1",
      [server.admin.email],
    );
    const expired = signInstallToken(
      {
        buildId: build.id,
        userId: userRow!.id,
        userVersion: userRow!.session_version,
        expiresAt: new Date(Date.now() - 1000),
      },
      server.authSecret,
    );
    const res = await fetch(`${server.baseUrl}/d/${expired}/app.ipa`);
    assert.equal(res.status, 403);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, "expired_token");
  });

  test("a token signed with another secret, or for an unknown user or build, gets no file", async () => {
    const [userRow] = await queryDatabase<{ id: string; session_version: number }>(
      server.databaseUrl,
      "SELECT id, session_version FROM users WHERE email = $1",
      [server.admin.email],
    );
    const later = new Date(Date.now() + 3_600_000);
    const foreign = signInstallToken(
      { buildId: build.id, userId: userRow!.id, userVersion: userRow!.session_version, expiresAt: later },
      "another-secret-that-is-long-enough-0123456789",
    );
    assert.equal((await fetch(`${server.baseUrl}/d/${foreign}/app.ipa`)).status, 404);
    const ghostUser = signInstallToken(
      { buildId: build.id, userId: "00000000-0000-4000-8000-000000000000", userVersion: 0, expiresAt: later },
      server.authSecret,
    );
    assert.equal((await fetch(`${server.baseUrl}/d/${ghostUser}/app.ipa`)).status, 403);
    const ghostBuild = signInstallToken(
      {
        buildId: "00000000-0000-4000-8000-000000000000",
        userId: userRow!.id,
        userVersion: userRow!.session_version,
        expiresAt: later,
      },
      server.authSecret,
    );
    assert.equal((await fetch(`${server.baseUrl}/d/${ghostBuild}/manifest.plist`)).status, 404);
  });

  test("URLs come from PUBLIC_URL, not from the Host header", async () => {
    const res = await fetch(build.manifestUrl, { headers: { host: "evil.example.com" } });
    const text = await res.text();
    assert.ok(!text.includes("evil.example.com"));
    assert.ok(text.includes(`${server.baseUrl}/d/`));
  });
});

describe("bad input is rejected and stores nothing", () => {
  // Every real invalid archive of the corpus: upload-install.corpus.test.ts.
  for (const [name, code, bytes] of [
    ["not-a-zip.ipa", "not_a_zip", async () => Buffer.from("this is not a zip\n")],
    [
      "no-payload.ipa",
      "no_payload",
      async () => {
        const zip = new JSZip();
        zip.file("Info.plist", "<plist/>");
        return zip.generateAsync({ type: "nodebuffer" });
      },
    ],
    [
      "nested.ipa",
      "payload_nested",
      async () => {
        const zip = new JSZip();
        zip.file("Nested/Payload/Nested.app/Info.plist", plist.build({ CFBundleIdentifier: "com.example.nested" }));
        return zip.generateAsync({ type: "nodebuffer" });
      },
    ],
  ] as const) {
    test(`${name} → ${code}`, async () => {
      const file = path.join(scratch, name);
      fs.writeFileSync(file, await bytes());
      const beforeState = await storedState();
      const { status, json } = await upload(file, "multipart");
      assert.equal(status, 422, JSON.stringify(json));
      assert.equal(json.error?.code, code);
      assert.ok((json.error?.message.length ?? 0) > 20, "a specific message");
      assert.deepEqual(await storedState(), beforeState);
    });
  }

  test("a truncated .ipa is rejected", async () => {
    const original = fs.readFileSync((await makeTestBuild({ bundleId: "com.example.ferry.truncated" })).path);
    const cut = path.join(scratch, "truncated.ipa");
    fs.writeFileSync(cut, original.subarray(0, original.length - 700));
    const beforeState = await storedState();
    const { status, json } = await upload(cut, "raw");
    assert.equal(status, 422);
    assert.equal(json.error?.code, "truncated_archive");
    assert.deepEqual(await storedState(), beforeState);
  });

  test("an empty body is rejected", async () => {
    const empty = path.join(scratch, "empty.ipa");
    fs.writeFileSync(empty, "");
    const raw = await upload(empty, "raw");
    assert.equal(raw.status, 400);
    assert.equal(raw.json.error?.code, "empty_body");
    const form = new FormData();
    form.append("notes", "no file here");
    const res = await fetch(`${server.baseUrl}/api/v1/builds`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, "empty_body");
  });

  test("missing or wrong credentials get 401, a member gets 403", async () => {
    const file = (await makeTestBuild({ bundleId: "com.example.ferry.credentials" })).path;
    const anonymous = await fetch(`${server.baseUrl}/api/v1/builds`, { method: "POST", body: fs.readFileSync(file) });
    assert.equal(anonymous.status, 401);
    assert.equal(((await anonymous.json()) as { error: { code: string } }).error.code, "unauthorized");
    assert.equal((await upload(file, "raw", "ferry_not-a-real-token")).status, 401);
    await createUser(server, {
      email: "member@example.com",
      password: "member-password",
      role: "member",
    });
    const memberToken = await createToken(server, "member@example.com");
    const res = await upload(file, "raw", memberToken);
    assert.equal(res.status, 403);
    assert.equal(res.json.error?.code, "forbidden");
  });
});

describe("large uploads", () => {
  test("a generated 24 MB .ipa arrives byte-identical (multipart and raw)", async () => {
    for (const mode of ["multipart", "raw"] as const) {
      const file = path.join(scratch, `large-${mode}.ipa`);
      const made = await generateIpa(file, {
        bundleId: `com.example.large.${mode}`,
        version: "2.0",
        buildNumber: "200",
        name: "Large",
        padBytes: 24 * 1024 * 1024,
      });
      assert.ok(made.size > 24 * 1024 * 1024);
      const { status, json } = await upload(file, mode, token, { notes: "big build" });
      assert.equal(status, 201, JSON.stringify(json));
      assert.equal(json.build!.sha256, made.sha256);
      assert.equal(json.build!.sizeBytes, made.size);
      const manifest = plist.parse(await (await fetch(json.build!.manifestUrl)).text()) as {
        items: { assets: { kind: string; url: string }[] }[];
      };
      const res = await fetch(manifest.items[0]!.assets[0]!.url);
      assert.equal(sha256(Buffer.from(await res.arrayBuffer())), made.sha256);
      fs.rmSync(file);
    }
  });
});
