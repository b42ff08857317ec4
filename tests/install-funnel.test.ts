/**
 * Over HTTP against the real server: the install funnel an admin sees on a
 * build page (page views → manifest fetches → downloads → completed
 * downloads), and the access rules of the cacheable page icon route
 * /apps/<appId>/builds/<buildId>/icon-<64|128>.png.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { createToken, createUser, type FerryServer, startFerry } from "./helpers/ferry-server";
import { generateIpa } from "./helpers/generate-ipa";
import { passwordSession } from "./helpers/session";
import { embeddedProfile } from "./helpers/test-profile";

const APP = { bundleId: "com.example.ferry.funnel", name: "FerryFunnel", version: "1.0", buildNumber: "1" };
let server: FerryServer;
let scratch: string;
let build: { id: string; appId: string; manifestUrl: string; sizeBytes: number };
let adminCookie: string;
let memberCookie: string;

before(
  async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-funnel-"));
    server = await startFerry();
    const file = path.join(scratch, "funnel.ipa");
    await generateIpa(file, {
      ...APP, // Large enough that an abandoned download cannot sit whole in socket buffers.
      padBytes: 24 * 1024 * 1024,
      extraFiles: [embeddedProfile(APP.name, APP.bundleId)],
    });
    const res = await fetch(`${server.baseUrl}/api/v1/builds`, {
      method: "POST",
      headers: { authorization: `Bearer ${await createToken(server)}`, "content-type": "application/octet-stream" },
      body: fs.readFileSync(file),
    });
    assert.equal(res.status, 201);
    build = ((await res.json()) as { build: typeof build }).build;
    await createUser(server, { email: "m@example.com", password: "member-pw-12345", role: "member" });
    adminCookie = (await passwordSession(server.baseUrl, server.admin.email, server.admin.password)) ?? "";
    memberCookie = (await passwordSession(server.baseUrl, "m@example.com", "member-pw-12345")) ?? "";
    assert.ok(adminCookie && memberCookie);
  },
  { timeout: 120_000 },
);

after(async () => {
  await server?.stop();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

async function funnelOnPage(): Promise<Record<string, number>> {
  const html = await (
    await fetch(`${server.baseUrl}/apps/${build.appId}/builds/${build.id}`, { headers: { cookie: adminCookie } })
  ).text();
  const out: Record<string, number> = {};
  for (const step of ["views", "manifests", "downloads", "completed"]) {
    const match = new RegExp(`data-testid="funnel-${step}"[^>]*>(\\d+)<`).exec(html);
    assert.ok(match, `funnel step ${step} on the build page`);
    out[step] = Number(match[1]);
  }
  return out;
}

test("the build page shows admins where installs stop: views, manifest fetches, downloads, completed downloads", {
  timeout: 60_000,
}, async () => {
  // The app page counts as a view of the build it offers first.
  await fetch(`${server.baseUrl}/apps/${build.appId}`, { headers: { cookie: adminCookie } });
  const manifest = await (await fetch(build.manifestUrl)).text();
  const ipaUrl = (/<string>(http[^<]+\/app\.ipa)<\/string>/.exec(manifest)?.[1] ?? "").replaceAll("&amp;", "&");
  assert.ok(ipaUrl);

  // A download abandoned after the first chunk: started, not completed.
  const controller = new AbortController();
  const partial = await fetch(ipaUrl, { signal: controller.signal });
  const reader = partial.body?.getReader();
  await reader?.read();
  controller.abort();
  await reader?.cancel().catch(() => {});

  // A full download.
  const full = await fetch(ipaUrl);
  assert.equal((await full.arrayBuffer()).byteLength, build.sizeBytes);

  // The completion row is written as the stream ends; poll until it is there (bounded generously: a condition, not a speed).
  let funnel: Record<string, number> = {};
  for (const until = Date.now() + 30_000; Date.now() < until; ) {
    funnel = await funnelOnPage();
    if ((funnel.completed ?? 0) >= 1) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  // Views: the app page and the build page loads above (each load of funnelOnPage is one too).
  assert.ok((funnel.views ?? 0) >= 2, JSON.stringify(funnel));
  assert.equal(funnel.manifests, 1);
  assert.equal(funnel.downloads, 2);
  assert.equal(funnel.completed, 1, JSON.stringify(funnel));

  // Per person.
  const html = await (
    await fetch(`${server.baseUrl}/apps/${build.appId}/builds/${build.id}`, { headers: { cookie: adminCookie } })
  ).text();
  assert.match(html, new RegExp(`data-email="${server.admin.email.replace(".", "\\.")}"`));
  // Members never see the funnel.
  const memberView = await fetch(`${server.baseUrl}/apps/${build.appId}/builds/${build.id}`, {
    headers: { cookie: memberCookie },
  });
  assert.ok(!(await memberView.text()).includes("install-funnel"));
});

test("page icons: session-authorized, access-checked, stable and cacheable (ETag, private max-age, 304)", {
  timeout: 60_000,
}, async () => {
  const url = `${server.baseUrl}/apps/${build.appId}/builds/${build.id}/icon-64.png`;
  assert.equal((await fetch(url)).status, 401, "signed out");
  // A restricted new app: a member cannot see it, and cannot tell it exists.
  assert.equal((await fetch(url, { headers: { cookie: memberCookie } })).status, 404, "member without access");
  assert.equal(
    (
      await fetch(`${server.baseUrl}/apps/${build.appId}/builds/00000000-0000-4000-8000-000000000000/icon-64.png`, {
        headers: { cookie: adminCookie },
      })
    ).status,
    404,
  );
  for (const size of [64, 128]) {
    const res = await fetch(url.replace("icon-64", `icon-${size}`), { headers: { cookie: adminCookie } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "image/png");
    assert.match(res.headers.get("cache-control") ?? "", /^private, max-age=\d+/);
    const png = Buffer.from(await res.arrayBuffer());
    assert.equal(png.readUInt32BE(16), size, "width");
    const etag = res.headers.get("etag");
    assert.ok(etag);
    const again = await fetch(url.replace("icon-64", `icon-${size}`), {
      headers: { cookie: adminCookie, "if-none-match": etag },
    });
    assert.equal(again.status, 304);
  }
});
