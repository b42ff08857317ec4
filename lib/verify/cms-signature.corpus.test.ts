import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { withZip } from "@/lib/analysis/ipa/zip-reader";
import { bufferSource } from "@/lib/verify/byte-source";
import { verifyCmsSignature } from "@/lib/verify/cms-signature";
import { readMachoSlices, readSignatureBytes } from "@/lib/verify/macho";
import { type EmbeddedSignature, parseEmbeddedSignature } from "@/lib/verify/signature-blobs";
import { appleTrustAnchors } from "@/lib/verify/trust-roots";
import { fixturePath } from "@/tests/helpers/fixtures";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-cms-test-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function signatureOf(fixture: string, binary: string, arch: string): Promise<EmbeddedSignature> {
  return withZip(fixturePath("ipa", fixture), async (zip) => {
    const source = bufferSource(await zip.readEntry(binary, 64 * 1024 * 1024));
    const slice = (await readMachoSlices(source)).find((s) => s.arch === arch);
    assert.ok(slice?.codeSignature);
    return parseEmbeddedSignature(await readSignatureBytes(source, slice, 1 << 24), slice.codeSignature.dataOffset);
  });
}

/** openssl's verdict on a detached CMS over `content`, trusting Apple's roots only. */
function opensslVerifies(cms: Buffer, content: Buffer): boolean {
  const dir = fs.mkdtempSync(path.join(tmp, "openssl-"));
  fs.writeFileSync(path.join(dir, "sig.der"), cms);
  fs.writeFileSync(path.join(dir, "cd.der"), content);
  fs.writeFileSync(
    path.join(dir, "roots.pem"),
    appleTrustAnchors()
      .map((a) => a.certificate.toString())
      .join("\n"),
  );
  const result = spawnSync(
    "openssl",
    // The fixtures' certificates have expired since: judge the signature, not today's validity. Apple's
    // leaf certificates carry critical extensions openssl does not know (it would refuse them all).
    ["cms", "-verify", "-binary", "-inform", "DER", "-in", "sig.der", "-content", "cd.der"].concat([
      "-CAfile",
      "roots.pem",
      "-purpose",
      "any",
      "-no_check_time",
      "-ignore_critical",
      "-out",
      "/dev/null",
    ]),
    { cwd: dir },
  );
  return result.status === 0;
}

describe("CMS signature over the CodeDirectory, cross-checked with openssl", () => {
  for (const [fixture, binary, arch] of [
    ["ipa-server--ipa.ipa", "Payload/Test.app/Test", "arm64"],
    ["app_info--iphone.ipa", "Payload/AppInfoDemo.app/AppInfoDemo", "armv7"],
  ] as const) {
    test(`${fixture} ${arch}: pkijs and openssl agree, and both refuse a changed directory`, async () => {
      const signature = await signatureOf(fixture, binary, arch);
      assert.ok(signature.cms);
      const directories = signature.codeDirectories.map((d) => d.cd);
      const primary = directories[0];
      assert.ok(primary);
      const ours = await verifyCmsSignature(signature.cms, directories);
      assert.deepEqual(ours.problems, []);
      assert.ok(ours.signer);
      assert.equal(opensslVerifies(signature.cms, primary.raw), true);

      const changed = Buffer.from(primary.raw);
      changed[changed.length - 1] = (changed[changed.length - 1] ?? 0) ^ 1;
      const tampered = await verifyCmsSignature(signature.cms, [{ ...primary, raw: changed }, ...directories.slice(1)]);
      assert.match(tampered.problems.join(" "), /message digest differs/);
      assert.equal(opensslVerifies(signature.cms, changed), false);
    });
  }

  test("an alternate directory not listed in Apple's CDHashes attribute is refused", async () => {
    const signature = await signatureOf("app_info--iphone.ipa", "Payload/AppInfoDemo.app/AppInfoDemo", "arm64");
    assert.ok(signature.cms);
    const [primary, alternate] = signature.codeDirectories.map((d) => d.cd);
    assert.ok(primary && alternate, "SHA-1 primary and SHA-256 alternate");
    assert.deepEqual((await verifyCmsSignature(signature.cms, [primary, alternate])).problems, []);
    const forged = Buffer.from(alternate.raw);
    forged[forged.length - 1] = (forged[forged.length - 1] ?? 0) ^ 1;
    const check = await verifyCmsSignature(signature.cms, [primary, { ...alternate, raw: forged }]);
    assert.match(check.problems.join(" "), /not in the signed CDHashes/);
  });
});
