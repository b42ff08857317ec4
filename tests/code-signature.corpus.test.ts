/**
 * Code signatures over HTTP: a real upload is verified, the report is stored
 * with the build and returned as `codeSignature`; a build modified after
 * signing gets no Install link and its page names the file; builds stored
 * before verification existed report null.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { fixturePath } from "@/tests/helpers/fixtures";
import { createToken, type FerryServer, startFerry } from "./helpers/ferry-server";
import { passwordSession } from "./helpers/session";

type Problem = { code: string; severity: string; message: string; path: string; arch?: string };
type BuildJson = {
  id: string;
  appId: string;
  warnings: { code: string; severity: string; message: string }[];
  codeSignature: {
    valid: boolean;
    checkedAt: string;
    problems: Problem[];
    signer: { commonName: string; teamId: string; issuedByApple: boolean; notAfter: string } | null;
    binaries: { path: string; arch: string; cdhash: string; hashType: string }[];
    entitlements: Record<string, unknown> | null;
  } | null;
};

let server: FerryServer;
let token: string;

before(async () => {
  server = await startFerry();
  token = await createToken(server);
});
after(async () => {
  await server?.stop();
});

async function upload(file: string): Promise<BuildJson> {
  const res = await fetch(`${server.baseUrl}/api/v1/builds`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
    body: fs.readFileSync(file),
  });
  assert.equal(res.status, 201);
  return ((await res.json()) as { build: BuildJson }).build;
}

async function getBuild(id: string): Promise<BuildJson> {
  const res = await fetch(`${server.baseUrl}/api/v1/builds/${id}`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  return ((await res.json()) as { build: BuildJson }).build;
}

describe("code signatures are verified at upload, stored and returned", () => {
  test("an Apple-signed build: valid, its binary, signer and entitlements", async () => {
    const build = await upload(fixturePath("ipa", "ipa-server--ipa.ipa"));
    const signature = build.codeSignature;
    assert.ok(signature);
    assert.equal(signature.valid, true);
    assert.deepEqual(
      signature.binaries.map((b) => [b.path, b.arch, b.hashType]),
      [["Payload/Test.app/Test", "arm64", "sha256"]],
    );
    assert.match(signature.binaries[0]?.cdhash ?? "", /^[0-9a-f]{40}$/);
    assert.equal(signature.signer?.teamId, "GC6FQHF5NF");
    assert.equal(signature.signer?.issuedByApple, true);
    assert.equal(signature.entitlements?.["application-identifier"], "GC6FQHF5NF.com.ineva.test-rtmp.Test");
    // Its certificate expired in 2022: a warning, judged when read, that does not make the seal invalid.
    assert.deepEqual(
      signature.problems.map((p) => [p.code, p.severity]),
      [["certificate_expired", "warning"]],
    );
    assert.ok(build.warnings.some((w) => w.code === "certificate_expired" && w.severity === "warning"));
    assert.ok(!build.warnings.some((w) => w.code === "code_signature_invalid"));
    // Read back from the database: the same report, judged again now.
    const { checkedAt: _first, ...stored } = signature;
    const again = (await getBuild(build.id)).codeSignature;
    assert.ok(again);
    const { checkedAt: _second, ...read } = again;
    assert.deepEqual(read, stored);
  });

  test("a build modified after signing: reported, naming the file, and its page offers no Install link", async () => {
    const build = await upload(fixturePath("synthetic", "synthetic--development-2036.ipa"));
    const signature = build.codeSignature;
    assert.ok(signature);
    assert.equal(signature.valid, false);
    assert.deepEqual(
      signature.problems.filter((p) => p.severity === "error"),
      [
        {
          code: "code_signature_invalid",
          severity: "error",
          message: "embedded.mobileprovision changed after signing",
          path: "Payload/AppInfoDemo.app/embedded.mobileprovision",
        },
      ],
    );
    const warning = build.warnings.find((w) => w.code === "code_signature_invalid");
    assert.equal(warning?.severity, "error");
    assert.equal(warning?.message, "embedded.mobileprovision was modified after signing: iOS will refuse it.");

    const cookie = await passwordSession(server.baseUrl, server.admin.email, server.admin.password);
    assert.ok(cookie);
    const page = await fetch(`${server.baseUrl}/apps/${build.appId}/builds/${build.id}`, { headers: { cookie } });
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /data-testid="install-blocked"/);
    assert.match(html, /embedded.mobileprovision was modified after signing: iOS will refuse it./);
  });

  test("builds stored before verification existed report codeSignature null", async () => {
    const build = await upload(fixturePath("ipa", "app_info--iphone.ipa"));
    assert.equal(build.codeSignature?.valid, true);
    const client = new pg.Client({ connectionString: server.databaseUrl });
    await client.connect();
    try {
      await client.query(`UPDATE builds SET code_signature = NULL WHERE id = $1`, [build.id]);
    } finally {
      await client.end();
    }
    const stored = await getBuild(build.id);
    assert.equal(stored.codeSignature, null);
    assert.ok(!stored.warnings.some((w) => w.code === "code_signature_invalid"));
  });
});
