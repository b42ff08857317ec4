import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { withZip } from "@/lib/analysis/ipa/zip-reader";
import { resignIpa } from "@/lib/signing/resign-ipa";
import { signMacho } from "@/lib/signing/sign-macho";
import { rewriteZip } from "@/lib/signing/zip-rewrite";
import { fingerprintOf, type TrustAnchor } from "@/lib/verify/trust-roots";
import { verifyCodeSignature } from "@/lib/verify/verify-code-signature";
import { fixturePath } from "@/tests/helpers/fixtures";
import { generateIpa } from "@/tests/helpers/generate-ipa";
import { createTestSigningIdentity, type TestSigningIdentity } from "@/tests/helpers/test-code-signer";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-resign-ipa-"));
let identity: TestSigningIdentity;
let anchors: TrustAnchor[];
before(() => {
  identity = createTestSigningIdentity();
  const certificate = new X509Certificate(identity.caPem);
  anchors = [{ certificate, fingerprint: fingerprintOf(certificate), name: "Ferry Test Signing CA", apple: false }];
});
after(() => {
  identity.remove();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const REWRITTEN = /(_CodeSignature\/CodeResources|embedded\.mobileprovision)$/;

describe("resignIpa", () => {
  for (const fixture of ["app_info--embedded.ipa", "ipa-server--ipa.ipa", "bitbar-test-samples--calculator.ipa"]) {
    test(`${fixture}: every seal and directory of the result verifies; unchanged entries are copied as they were`, async () => {
      const input = fixturePath("ipa", fixture);
      const output = path.join(tmp, `resigned-${fixture}`);
      const profile = Buffer.from("a new profile (the bytes are only sealed here)");
      const binaries = await resignIpa(input, output, {
        certificateCommonName: identity.commonName,
        teamId: identity.teamId,
        signer: identity.signer,
        profiles: new Map([["", profile]]),
        tempDir: tmp,
      });
      const report = await verifyCodeSignature(output, { extraAnchors: anchors, at: new Date("2026-06-01") });
      // The test signer adds no CDHashes attributes (the real signer's job): slices with an alternate
      // (SHA-256 beside SHA-1) directory lack that binding, and nothing else may be wrong.
      const unbound = /does not bind the alternate CodeDirectory \(no CDHashes attributes\)/;
      const problems = report.problems.filter((p) => !unbound.test(p.message));
      assert.deepEqual(problems, [], JSON.stringify(report.problems, null, 2));
      const withAlternates = binaries.flatMap((b) => b.slices).filter((s) => s.directories.length > 1).length;
      assert.equal(report.problems.length, withAlternates);
      if (withAlternates === 0) assert.equal(report.valid, true);
      assert.equal(report.signer?.commonName, identity.commonName);
      assert.equal(
        report.binaries.length,
        binaries.reduce((n, b) => n + b.slices.length, 0),
      );
      for (const binary of report.binaries) assert.equal(binary.teamId, identity.teamId);

      // Entries that re-signing does not touch keep their exact compressed bytes and order.
      const rewritten = new Set(binaries.map((b) => b.path));
      await withZip(input, async (before) => {
        await withZip(output, async (after) => {
          assert.deepEqual(
            after.entries.map((e) => e.name),
            before.entries.map((e) => e.name),
          );
          for (const entry of before.entries) {
            if (entry.isDirectory || rewritten.has(entry.name) || REWRITTEN.test(entry.name)) continue;
            const copied = after.getEntry(entry.name);
            assert.equal(copied?.compressedSize, entry.compressedSize, entry.name);
            assert.ok((await after.readEntry(entry.name, 1 << 26)).equals(await before.readEntry(entry.name, 1 << 26)));
          }
          const app = before.entries.find((e) => /^Payload\/[^/]+\.app\/$/.test(e.name))?.name ?? "";
          assert.ok((await after.readEntry(`${app}embedded.mobileprovision`, 1 << 20)).equals(profile));
        });
      });
    });
  }

  test("a large stored resource in a zip64 archive: re-signed with bounded memory, its bytes copied as they were", async () => {
    const executable = await withZip(fixturePath("ipa", "app_info--embedded.ipa"), async (zip) => {
      const entry = zip.entries.find((e) => /^Payload\/[^/]+\.app\/[^/.]+$/.test(e.name) && e.uncompressedSize > 4096);
      assert.ok(entry);
      return zip.readEntry(entry.name, 1 << 26);
    });
    const padBytes = 192 * 1024 * 1024;
    const input = path.join(tmp, "large-zip64.ipa");
    await generateIpa(input, {
      bundleId: "com.example.large",
      version: "1",
      buildNumber: "1",
      name: "Large",
      padBytes,
      executable,
      forceZip64: true,
      dataDescriptors: true,
    });
    const output = path.join(tmp, "large-zip64-resigned.ipa");
    // RSS sampled while re-signing: holding the resource (or any whole entry) would add its 192 MiB.
    const base = process.memoryUsage.rss();
    let peak = base;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage.rss());
    }, 10);
    try {
      await resignIpa(input, output, {
        certificateCommonName: identity.commonName,
        teamId: identity.teamId,
        signer: identity.signer,
        tempDir: tmp,
      });
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, process.memoryUsage.rss());
    assert.ok(peak - base < 64 * 1024 * 1024, `RSS grew by ${((peak - base) / 1048576).toFixed(0)} MiB`);
    const report = await verifyCodeSignature(output, { extraAnchors: anchors, at: new Date("2026-06-01") });
    assert.deepEqual(report.problems, []);
    await withZip(input, async (before) => {
      await withZip(output, async (after) => {
        const name = "Payload/Large.app/padding.bin";
        assert.equal(after.getEntry(name)?.compressedSize, before.getEntry(name)?.compressedSize);
        assert.equal(after.getEntry(name)?.uncompressedSize, padBytes);
      });
    });
    fs.rmSync(input);
    fs.rmSync(output);
  });

  test("nested code signed by another team than the app is reported (nested_code_team_mismatch), naming it", async () => {
    const input = fixturePath("ipa", "app_info--embedded.ipa");
    const sameTeam = path.join(tmp, "team-same.ipa");
    await resignIpa(input, sameTeam, {
      certificateCommonName: identity.commonName,
      teamId: identity.teamId,
      signer: identity.signer,
      tempDir: tmp,
    });
    const at = new Date("2026-06-01");
    const before = await verifyCodeSignature(sameTeam, { extraAnchors: anchors, at });
    assert.ok(!before.problems.some((p) => p.code === "nested_code_team_mismatch"));

    // The extension's binary signed again, by another team, with its own Info.plist and seal.
    const appex = "Payload/Demo.app/PlugIns/Notification.appex/";
    const original = path.join(tmp, "appex-binary");
    const [infoPlist, codeResources] = await withZip(sameTeam, async (zip) => {
      fs.writeFileSync(original, await zip.readEntry(`${appex}Notification`, 1 << 26));
      return [
        await zip.readEntry(`${appex}Info.plist`, 1 << 20),
        await zip.readEntry(`${appex}_CodeSignature/CodeResources`, 1 << 20),
      ];
    });
    const foreign = path.join(tmp, "appex-binary-foreign");
    await signMacho(original, foreign, {
      identifier: "com.example.notification",
      teamId: "OTHERTEAM9",
      infoPlist,
      codeResources,
      signer: identity.signer,
    });
    const mixed = path.join(tmp, "team-mixed.ipa");
    await rewriteZip(sameTeam, mixed, new Map([[`${appex}Notification`, foreign]]), (name) =>
      path.join(tmp, `x-${name}`),
    );
    const report = await verifyCodeSignature(mixed, { extraAnchors: anchors, at });
    assert.equal(report.valid, false);
    const mismatches = report.problems.filter((p) => p.code === "nested_code_team_mismatch");
    assert.deepEqual(
      mismatches.map((p) => [p.path, p.severity]),
      [[`${appex}Notification`, "error"]],
    );
    assert.match(mismatches[0]?.message ?? "", /team OTHERTEAM9, not the app's team TESTTEAM01/);
  });
});
