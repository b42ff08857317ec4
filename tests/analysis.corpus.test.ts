/**
 * Build analysis over real HTTP: profile facts and warnings in the API, icons
 * in the manifest served without cookies, standalone profile inspection.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import * as plist from "plist";
import { PNG } from "pngjs";
import { createToken, type FerryServer, startFerry } from "./helpers/ferry-server";
import { fixturePath } from "./helpers/fixtures";
import { generateIpa } from "./helpers/generate-ipa";

type ExpectedProfile = {
  derived_type: string | null;
  ExpirationDate: string | null;
  ProvisionedDevices_count: number | null;
  ProvisionsAllDevices: boolean | null;
  UUID: string | null;
  TeamName: string | null;
  cms_signature_check: string | null;
};
type Expected = {
  ipa: Record<string, { bundleId: string; iconPngs: string[]; embeddedProfile: ExpectedProfile | null }>;
  profiles: Record<string, ExpectedProfile>;
};
const expected = JSON.parse(fs.readFileSync(fixturePath("expected.json"), "utf8")) as Expected;

type Warning = { code: string; severity: string; message: string; hint: string };
type BuildJson = {
  id: string;
  appId: string;
  bundleId: string;
  manifestUrl: string;
  warnings: Warning[];
  analysis: {
    ipa: { bundleId: string };
    icon: { source: "bundle" | "placeholder" };
    profile: {
      type: string;
      uuid: string;
      teamName: string;
      deviceCount: number;
      expirationDate: string;
      signature: { status: string };
    } | null;
  };
};

/** expected.json's profile type labels → Ferry's. */
function ferryType(derived: string): string {
  return derived.startsWith("enterprise") ? "enterprise" : derived;
}
function expiryIso(utc: string): string {
  return `${utc.replace(" ", "T")}.000Z`;
}

let server: FerryServer;
let token: string;

before(async () => {
  server = await startFerry();
  token = await createToken(server);
});
after(async () => server?.stop());

async function post(url: string, file: string, fields: Record<string, string> = {}) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append("file", await fs.openAsBlob(file), path.basename(file));
  const res = await fetch(`${server.baseUrl}${url}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe("builds are analysed", () => {
  for (const [name, truth] of Object.entries(expected.ipa)) {
    test(`${name}: profile, warnings and icons`, async () => {
      const { status, json } = await post("/api/v1/builds", fixturePath("ipa", name));
      assert.ok(status === 201 || status === 200, JSON.stringify(json));
      const build = json.build as BuildJson;
      const codes = build.warnings.map((w) => w.code);
      for (const w of build.warnings) {
        assert.ok(w.message.length > 10 && w.hint.length > 10, `${w.code} has a sentence and a hint`);
      }
      assert.ok(codes.includes("insecure_public_url"), "PUBLIC_URL is http in this test");

      const p = truth.embeddedProfile;
      if (p?.derived_type) {
        const profile = build.analysis.profile!;
        assert.equal(profile.type, ferryType(p.derived_type));
        assert.equal(profile.uuid, p.UUID);
        assert.equal(profile.teamName, p.TeamName);
        assert.equal(profile.deviceCount, p.ProvisionedDevices_count ?? 0);
        assert.equal(profile.expirationDate.slice(0, 19), expiryIso(p.ExpirationDate!).slice(0, 19));
        assert.equal(profile.signature.status, p.cms_signature_check === "ok" ? "valid" : "invalid");
        const expired = Date.parse(expiryIso(p.ExpirationDate!)) <= Date.now();
        assert.equal(codes.includes("profile_expired"), expired, `profile_expired for ${name}`);
        assert.equal(codes.includes("app_store_profile"), profile.type === "app-store");
        assert.equal(codes.includes("limited_devices"), profile.type === "development" || profile.type === "ad-hoc");
      } else {
        assert.ok(codes.includes("no_embedded_profile"), `${name} has no profile`);
      }

      // Icons, as iOS fetches them from the manifest: no cookies.
      const manifest = plist.parse(await (await fetch(build.manifestUrl)).text()) as {
        items: { assets: { kind: string; url: string }[] }[];
      };
      const assets = manifest.items[0]!.assets;
      for (const [kind, size] of [
        ["display-image", 57],
        ["full-size-image", 512],
      ] as const) {
        const url = assets.find((a) => a.kind === kind)?.url;
        assert.ok(url, `${kind} in the manifest`);
        const res = await fetch(url);
        assert.equal(res.status, 200);
        assert.equal(res.headers.get("content-type"), "image/png");
        const png = PNG.sync.read(Buffer.from(await res.arrayBuffer()));
        assert.equal(png.width, size);
        assert.equal(png.height, size);
      }
      assert.equal(build.analysis.icon.source, truth.iconPngs.length > 0 ? "bundle" : "placeholder");
    });
  }

  test("ipa-server--ipa.ipa (icon only in Assets.car) gets the placeholder", async () => {
    const { json } = await post("/api/v1/builds", fixturePath("ipa", "ipa-server--ipa.ipa"));
    assert.equal((json.build as BuildJson).analysis.icon.source, "placeholder");
  });

  test("a build uploaded to an app with another bundle id is flagged", async () => {
    const first = (await post("/api/v1/builds", fixturePath("ipa", "app_info--iphone.ipa"))).json.build as BuildJson;
    const file = path.join(server.dataDir, "mismatch.ipa");
    await generateIpa(file, {
      bundleId: "com.example.other",
      version: "1",
      buildNumber: "1",
      name: "Other",
      padBytes: 1024,
    });
    const mismatch = await post("/api/v1/builds", file, { appId: first.appId });
    assert.equal(mismatch.status, 201);
    assert.ok((mismatch.json.build as BuildJson).warnings.some((w) => w.code === "bundle_id_mismatch"));
    const other = path.join(server.dataDir, "other.ipa");
    await generateIpa(other, {
      bundleId: "com.example.third",
      version: "1",
      buildNumber: "1",
      name: "Third",
      padBytes: 1024,
    });
    const unknown = await post("/api/v1/builds", other, { appId: "00000000-0000-4000-8000-000000000000" });
    assert.equal(unknown.status, 404, "naming an app that does not exist stores nothing");
  });
});

describe("standalone provisioning profiles are inspected, not stored", () => {
  for (const [name, truth] of Object.entries(expected.profiles)) {
    test(name, async () => {
      const { status, json } = await post("/api/v1/profiles/inspect", fixturePath("profiles", name));
      assert.equal(status, 200, JSON.stringify(json));
      const profile = json.profile as {
        type: string;
        deviceCount: number;
        expirationDate: string;
        signature: { status: string };
      };
      const warnings = (json.warnings as Warning[]).map((w) => w.code);
      if (truth.derived_type) {
        assert.equal(profile.type, ferryType(truth.derived_type));
        assert.equal(profile.deviceCount, truth.ProvisionedDevices_count ?? 0);
        assert.equal(profile.expirationDate.slice(0, 19), expiryIso(truth.ExpirationDate!).slice(0, 19));
      }
      if (truth.cms_signature_check === null) assert.equal(profile.signature.status, "unsigned");
      else if (truth.cms_signature_check === "ok") assert.equal(profile.signature.status, "valid");
      else {
        assert.equal(profile.signature.status, "invalid");
        assert.ok(warnings.includes("profile_signature_invalid"), "a tampered profile is flagged");
      }
    });
  }

  test("a file that is not a profile is rejected with a specific code", async () => {
    const { status, json } = await post("/api/v1/profiles/inspect", fixturePath("invalid", "fastlane--not-an-ipa.ipa"));
    assert.equal(status, 422);
    assert.equal((json.error as { code: string }).code, "not_a_profile");
    const tmp = path.join(server.dataDir, "tmp");
    assert.deepEqual(fs.existsSync(tmp) ? fs.readdirSync(tmp) : [], []);
  });
});
