/**
 * The smoke test CI runs on every supported Node major (.ci/run): the built
 * server started as `npm start` starts it, a generated build uploaded through
 * the API with a token, then its manifest and .ipa fetched with the install
 * token the way iOS does (no cookie).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fs from "node:fs";
import { after, before, test } from "node:test";
import { createToken, type FerryServer, startFerry } from "./helpers/ferry-server";
import { makeTestBuild } from "./helpers/test-builds";

let server: FerryServer;
after(async () => server?.stop());
before(
  async () => {
    server = await startFerry({ launcher: "compiled" });
  },
  { timeout: 120_000 },
);

test(`boot, upload, install on Node ${process.versions.node}`, { timeout: 120_000 }, async () => {
  const token = await createToken(server);
  const made = await makeTestBuild({
    bundleId: "com.example.ferry.smoke",
    name: "Smoke",
    version: "1.0",
    buildNumber: "1",
  });
  const form = new FormData();
  form.append("file", await fs.openAsBlob(made.path), "smoke.ipa");
  const res = await fetch(`${server.baseUrl}/api/v1/builds`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  const json = (await res.json()) as { build: { manifestUrl: string; installUrl: string; sha256: string } };
  assert.equal(res.status, 201, JSON.stringify(json));
  assert.equal(json.build.sha256, made.sha256);
  assert.ok(json.build.installUrl.startsWith("itms-services://?action=download-manifest&url="));

  const manifest = await fetch(json.build.manifestUrl);
  assert.equal(manifest.status, 200);
  const text = await manifest.text();
  assert.match(text, /<string>com\.example\.ferry\.smoke<\/string>/);
  const ipaUrl = /<string>(http[^<]+\.ipa)<\/string>/.exec(text)?.[1]?.replaceAll("&amp;", "&") ?? "";
  assert.ok(ipaUrl.startsWith(`${server.baseUrl}/d/`), text);
  const head = await fetch(ipaUrl, { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get("content-length"), String(made.size));
  const ipa = Buffer.from(await (await fetch(ipaUrl)).arrayBuffer());
  assert.equal(createHash("sha256").update(ipa).digest("hex"), made.sha256);
});
