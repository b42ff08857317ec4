import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { parseSignedData } from "@/lib/analysis/profile/cms";
import { extraTrustAnchors, parsePemCertificates, verifyChain } from "@/lib/verify/trust-roots";
import { fixturePath } from "@/tests/helpers/fixtures";
import { CODE_SIGNING, EC, issue, makeRoot } from "@/tests/helpers/signing-pki";

function profileChain(file: string): { leaf: X509Certificate; intermediates: X509Certificate[] } {
  const sd = parseSignedData(fs.readFileSync(file));
  const certs = sd.certificates.map((der) => new X509Certificate(der));
  const leaf = certs.find((c) => !c.ca);
  assert.ok(leaf, "the profile carries a leaf certificate");
  return { leaf, intermediates: certs.filter((c) => c !== leaf) };
}

/** A test CA and a leaf it issued (10 days), and a self-made root named like Apple's (tests/helpers/signing-pki.ts). */
function makeTestCa(): { dir: string; caPem: string; leaf: X509Certificate; selfSigned: X509Certificate } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-roots-"));
  const ca = makeRoot(dir, "ca", EC, "/CN=Ferry Test Root", 30);
  const leaf = issue(dir, "leaf", EC, "/CN=Ferry Test Leaf", CODE_SIGNING, ca, 10);
  const self = makeRoot(dir, "self", EC, "/CN=Apple Root CA/O=Apple Inc./OU=Apple Certification Authority/C=US", 30);
  return {
    dir,
    caPem: fs.readFileSync(ca.cert, "utf8"),
    leaf: new X509Certificate(fs.readFileSync(leaf.cert)),
    selfSigned: new X509Certificate(fs.readFileSync(self.cert)),
  };
}

describe("verifyChain", () => {
  test("an Apple-signed provisioning profile chains to the pinned Apple Root CA", () => {
    const { leaf, intermediates } = profileChain(fixturePath("profiles", "app_info--ios_adhoc.mobileprovision"));
    const result = verifyChain(leaf, { intermediates, extraAnchors: [] });
    assert.equal(result.trusted, true, result.detail);
    assert.equal(result.anchor?.apple, true);
    assert.match(result.anchor?.name ?? "", /^Apple Root/);
  });

  test("without its intermediates the chain has no path", () => {
    const { leaf } = profileChain(fixturePath("profiles", "app_info--ios_adhoc.mobileprovision"));
    const result = verifyChain(leaf, { intermediates: [], extraAnchors: [] });
    assert.equal(result.trusted, false);
    assert.equal(result.problem, "no_path");
  });

  test("a self-made root named like Apple's is not trusted; an extra root is, only when configured", () => {
    const ca = makeTestCa();
    assert.equal(verifyChain(ca.selfSigned, { extraAnchors: [] }).trusted, false);
    assert.equal(verifyChain(ca.leaf, { extraAnchors: [] }).trusted, false);
    const anchors = extraTrustAnchors(ca.caPem);
    const ok = verifyChain(ca.leaf, { extraAnchors: anchors });
    assert.equal(ok.trusted, true, ok.detail);
    assert.equal(ok.anchor?.apple, false);
    // From a file path too.
    const file = path.join(ca.dir, "ca.pem");
    assert.equal(extraTrustAnchors(file).length, 1);
    // Validity is judged when asked.
    const late = verifyChain(ca.leaf, { extraAnchors: anchors, at: new Date(Date.now() + 20 * 86_400_000) });
    assert.equal(late.problem, "expired");
    assert.equal(parsePemCertificates("no pem here").length, 0);
  });
});
