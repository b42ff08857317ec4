/**
 * Hostile archives sent to the real upload endpoint: each fails with its own
 * code, quickly, and leaves no row and no file behind; the server stays up.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { buildBinary, build as buildXmlPlist } from "plist";
import { bp, buildBplist, buildZip, type TestZipEntry } from "@/lib/analysis/ipa/test-helpers";
import { createToken, type FerryServer, startFerry } from "./helpers/ferry-server";
import { queryDatabase } from "./helpers/test-database";

let server: FerryServer;
let token: string;

before(async () => {
  server = await startFerry();
  token = await createToken(server);
  // Load the upload route once so the time budget below measures the rejection only.
  await fetch(`${server.baseUrl}/api/v1/builds`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
});
after(async () => server?.stop());

const plainInfo = {
  CFBundleIdentifier: "com.example.hostile",
  CFBundleShortVersionString: "1.0",
  CFBundleVersion: "1",
  CFBundleName: "Hostile",
};
const info = buildXmlPlist(plainInfo);
/** A binary Info.plist (it can carry a NUL, which XML cannot) with `changes` applied. */
const infoWith = (changes: Record<string, string>) => Buffer.from(buildBinary({ ...plainInfo, ...changes }));

function app(infoPlist: Buffer | string, extra: TestZipEntry[] = []): Buffer {
  return buildZip([
    { name: "Payload/Hostile.app/Info.plist", data: Buffer.from(infoPlist) },
    { name: "Payload/Hostile.app/Hostile", data: Buffer.from("binary") },
    ...extra,
  ]);
}

const cases: [string, () => Buffer, string][] = [
  [
    "zip bomb Info.plist (20 MB of zeros, tiny on disk)",
    () => app(Buffer.alloc(20 * 1024 * 1024)),
    "archive_too_complex",
  ],
  [
    "entry that inflates past its declared size",
    () =>
      buildZip([{ name: "Payload/Hostile.app/Info.plist", data: Buffer.alloc(30 * 1024 * 1024), declaredSize: 4096 }]),
    "unsafe_archive",
  ],
  [
    "entry name with ../",
    () => app(info, [{ name: "Payload/../../etc/evil", data: Buffer.from("x") }]),
    "unsafe_archive",
  ],
  [
    "binary Info.plist with a cyclic reference",
    () => app(buildBplist([bp.dict([1], [0]), bp.ascii("CFBundleIdentifier")])),
    "unreadable_info_plist",
  ],
  [
    "binary Info.plist whose offset table points past the end",
    () => app(buildBplist([bp.ascii("x")], { offsetTableOffset: 0xffffn })),
    "unreadable_info_plist",
  ],
  [
    "bundle id ../../../etc/passwd",
    () => app(infoWith({ CFBundleIdentifier: "../../../etc/passwd" })),
    "invalid_bundle_id",
  ],
  [
    "bundle id of 10,004 characters",
    () => app(infoWith({ CFBundleIdentifier: `com.example.${"a".repeat(9_992)}` })),
    "invalid_bundle_id",
  ],
  [
    "bundle id with a Cyrillic look-alike",
    () => app(infoWith({ CFBundleIdentifier: "com.ex\u0430mple.hostile" })),
    "invalid_bundle_id",
  ],
  [
    "bundle id with a NUL inside",
    () => app(infoWith({ CFBundleIdentifier: "com.example\u0000.hostile" })),
    "invalid_bundle_id",
  ],
  [
    "version with a newline",
    () => app(infoWith({ CFBundleShortVersionString: "1.0\n</string><key>x</key><string>" })),
    "invalid_version",
  ],
  [
    "display name of 100,000 characters",
    () => app(infoWith({ CFBundleDisplayName: "A".repeat(100_000) })),
    "invalid_name",
  ],
];

for (const [name, make, code] of cases) {
  test(`${name} → ${code}`, async () => {
    const body = make();
    const started = Date.now();
    const res = await fetch(`${server.baseUrl}/api/v1/builds`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
      body: new Uint8Array(body),
    });
    const json = (await res.json()) as { error?: { code: string; message: string } };
    assert.equal(res.status, 422, JSON.stringify(json));
    assert.equal(json.error?.code, code);
    assert.ok(Date.now() - started < 5_000, "rejected within the time budget");
    const [row] = await queryDatabase<{ n: string }>(server.databaseUrl, "SELECT count(*) AS n FROM builds");
    assert.equal(row!.n, "0");
    for (const dir of ["builds", "icons"]) assert.equal(fs.existsSync(path.join(server.dataDir, dir)), false, dir);
    const tmp = path.join(server.dataDir, "tmp");
    assert.deepEqual(fs.existsSync(tmp) ? fs.readdirSync(tmp) : [], []);
  });
}
