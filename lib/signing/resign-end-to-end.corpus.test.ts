/**
 * The re-signing pieces together, as Ferry will run them: an identity read from
 * a legacy-encrypted .p12 (what Keychain exports), the real CMS signer, the
 * Mach-O and seal re-signer, then Ferry's own verifier. Every problem must be
 * gone, including the alternate directories' binding (CDHashes attributes) on
 * fat SHA-1 + SHA-256 builds, and a build whose seal was broken comes out whole.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { createCodeDirectorySigner } from "@/lib/signing/cms-signer";
import { resignIpa } from "@/lib/signing/resign-ipa";
import { parsePkcs12Identity, type SigningIdentity } from "@/lib/signing/signing-identity";
import { fingerprintOf, type TrustAnchor } from "@/lib/verify/trust-roots";
import { verifyCodeSignature } from "@/lib/verify/verify-code-signature";
import { fixturePath } from "@/tests/helpers/fixtures";
import { exportP12, makeTestPki, TEST_COMMON_NAME, TEST_TEAM_ID, type TestPki } from "@/tests/helpers/signing-pki";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-resign-e2e-"));
let pki: TestPki;
let identity: SigningIdentity;
let anchors: TrustAnchor[];

before(() => {
  pki = makeTestPki(path.join(tmp, "pki"));
  const p12 = exportP12(pki, pki.rsa, "keychain-like", "correct horse", [
    "-keypbe",
    "PBE-SHA1-3DES",
    "-certpbe",
    "PBE-SHA1-3DES",
    "-macalg",
    "sha1",
  ]);
  identity = parsePkcs12Identity(fs.readFileSync(p12), "correct horse");
  const root = new X509Certificate(fs.readFileSync(pki.root));
  anchors = [{ certificate: root, fingerprint: fingerprintOf(root), name: "Ferry Test Root CA", apple: false }];
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("re-signing end to end (.p12 → CMS signer → re-signer → verifier)", () => {
  const cases = [
    ["bitbar-test-samples--calculator.ipa", fixturePath("ipa", "bitbar-test-samples--calculator.ipa")],
    ["app_info--embedded.ipa", fixturePath("ipa", "app_info--embedded.ipa")],
    // Its profile was swapped after signing: re-signing is the fix.
    ["synthetic--development-2036.ipa", fixturePath("synthetic", "synthetic--development-2036.ipa")],
  ] as const;
  for (const [name, input] of cases) {
    test(`${name}: the re-signed build verifies with no problem at all`, async () => {
      if (name.startsWith("synthetic")) {
        const before = await verifyCodeSignature(input, { at: new Date("2026-06-01") });
        assert.equal(before.valid, false, "the synthetic build starts out broken");
      }
      const output = path.join(tmp, `resigned-${name}`);
      const signer = createCodeDirectorySigner(identity, { signingTime: new Date("2026-12-01T00:00:00Z") });
      const binaries = await resignIpa(input, output, {
        certificateCommonName: TEST_COMMON_NAME,
        teamId: TEST_TEAM_ID,
        signer,
        profiles: new Map([["", Buffer.from("a new profile")]]),
        tempDir: tmp,
      });
      assert.ok(binaries.length > 0);
      const report = await verifyCodeSignature(output, { extraAnchors: anchors, at: new Date("2026-12-06") });
      assert.deepEqual(report.problems, [], JSON.stringify(report.problems, null, 2));
      assert.equal(report.valid, true);
      assert.equal(report.signer?.commonName, TEST_COMMON_NAME);
      assert.equal(report.signer?.teamId, TEST_TEAM_ID);
      assert.equal(report.signer?.issuedByApple, false);
      // Without the test root, the same build is not trusted: trust comes from the chain, not the seal.
      const untrusted = await verifyCodeSignature(output, { extraAnchors: [], at: new Date("2026-12-06") });
      assert.equal(untrusted.valid, false);
      assert.ok(untrusted.problems.some((p) => p.code === "signature_not_trusted"));
    });
  }

  test("openssl agrees: a re-signed slice's CMS verifies over its CodeDirectory under the test root", async () => {
    const { readMachoSlices, readSignatureBytes } = await import("@/lib/verify/macho");
    const { fileSource } = await import("@/lib/verify/byte-source");
    const { parseEmbeddedSignature } = await import("@/lib/verify/signature-blobs");
    const { withZip } = await import("@/lib/analysis/ipa/zip-reader");
    const output = path.join(tmp, "resigned-app_info--embedded.ipa");
    const binaryPath = path.join(tmp, "embedded-main");
    await withZip(output, async (zip) => {
      const main = zip.entries.find((e) => /^Payload\/[^/]+\.app\/[^/.]+$/.test(e.name) && !e.isDirectory);
      assert.ok(main, "the main executable");
      fs.writeFileSync(binaryPath, await zip.readEntry(main.name, 1 << 28));
    });
    const source = await fileSource(binaryPath);
    try {
      const [slice] = await readMachoSlices(source);
      assert.ok(slice);
      const signature = parseEmbeddedSignature(await readSignatureBytes(source, slice, 1 << 24), slice.size);
      assert.ok(signature.cms && signature.codeDirectories[0]);
      fs.writeFileSync(path.join(tmp, "cd.der"), signature.codeDirectories[0].cd.raw);
      fs.writeFileSync(path.join(tmp, "sig.der"), signature.cms);
    } finally {
      await source.close();
    }
    execFileSync(
      "openssl",
      [
        "cms",
        "-verify",
        "-binary",
        "-inform",
        "DER",
        "-in",
        "sig.der",
        "-content",
        "cd.der",
        "-CAfile",
        pki.root,
        "-purpose",
        "any",
        "-out",
        "/dev/null",
      ],
      { cwd: tmp, stdio: ["ignore", "pipe", "pipe"] },
    );
  });
});
