import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { parseSignedData } from "@/lib/analysis/profile/cms";
import { extraTrustAnchors, parsePemCertificates, verifyChain } from "@/lib/verify/trust-roots";
import { fixturePath } from "@/tests/helpers/fixtures";

function profileChain(file: string): { leaf: X509Certificate; intermediates: X509Certificate[] } {
  const sd = parseSignedData(fs.readFileSync(file));
  const certs = sd.certificates.map((der) => new X509Certificate(der));
  const leaf = certs.find((c) => !c.ca);
  assert.ok(leaf, "the profile carries a leaf certificate");
  return { leaf, intermediates: certs.filter((c) => c !== leaf) };
}

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: "ignore" });
}

/** A test CA and a leaf it issued, made with openssl. */
function makeTestCa(): { dir: string; caPem: string; leaf: X509Certificate; selfSigned: X509Certificate } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-roots-"));
  openssl(
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-days",
      "30",
      "-subj",
      "/CN=Ferry Test Root",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
    ],
    dir,
  );
  openssl(
    [
      "req",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      "leaf.key",
      "-out",
      "leaf.csr",
      "-subj",
      "/CN=Ferry Test Leaf",
    ],
    dir,
  );
  openssl(
    [
      "x509",
      "-req",
      "-in",
      "leaf.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "leaf.pem",
      "-days",
      "10",
    ],
    dir,
  );
  openssl(
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      "self.key",
      "-out",
      "self.pem",
      "-days",
      "30",
      "-subj",
      "/CN=Apple Root CA/O=Apple Inc./OU=Apple Certification Authority/C=US",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
    ],
    dir,
  );
  return {
    dir,
    caPem: fs.readFileSync(path.join(dir, "ca.pem"), "utf8"),
    leaf: new X509Certificate(fs.readFileSync(path.join(dir, "leaf.pem"))),
    selfSigned: new X509Certificate(fs.readFileSync(path.join(dir, "self.pem"))),
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
