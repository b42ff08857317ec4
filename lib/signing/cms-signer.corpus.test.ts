import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash, randomBytes, X509Certificate } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import * as asn1js from "asn1js";
import { withZip } from "@/lib/analysis/ipa/zip-reader";
import { cdhashesPlist, createCodeDirectorySigner, signedAttributes } from "@/lib/signing/cms-signer";
import type { CodeDirectoryForSigning } from "@/lib/signing/code-directory-signer";
import { parsePemIdentity, type SigningIdentity } from "@/lib/signing/signing-identity";
import { bufferSource } from "@/lib/verify/byte-source";
import { verifyCmsSignature } from "@/lib/verify/cms-signature";
import { readMachoSlices, readSignatureBytes } from "@/lib/verify/macho";
import {
  CD_VERSION,
  type CodeDirectory,
  type HashType,
  parseCodeDirectory,
  parseEmbeddedSignature,
  serializeCodeDirectory,
} from "@/lib/verify/signature-blobs";
import { fingerprintOf, type TrustAnchor, verifyChain } from "@/lib/verify/trust-roots";
import { fixturePath } from "@/tests/helpers/fixtures";
import { makeTestPki, TEST_TEAM_ID, type TestPki } from "@/tests/helpers/signing-pki";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-cms-signer-test-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

let pki: TestPki;
let rsa: SigningIdentity;
let ec: SigningIdentity;
let anchors: TrustAnchor[];
before(() => {
  pki = makeTestPki(path.join(tmp, "pki"));
  const chain = fs.readFileSync(pki.intermediate, "utf8");
  rsa = parsePemIdentity(`${fs.readFileSync(pki.rsa.cert, "utf8")}${chain}`, fs.readFileSync(pki.rsa.key));
  ec = parsePemIdentity(`${fs.readFileSync(pki.ec.cert, "utf8")}${chain}`, fs.readFileSync(pki.ec.key));
  const root = new X509Certificate(fs.readFileSync(pki.root));
  anchors = [{ certificate: root, fingerprint: fingerprintOf(root), name: "Ferry Test Root CA", apple: false }];
});

/** A CodeDirectory like codesign's for a 3-page binary, hashed with `hashType`. */
function directory(
  hashType: HashType,
  pages: Buffer[],
  identifier = "com.example.ferry-test",
): CodeDirectoryForSigning {
  const algorithm = hashType === 1 ? "sha1" : "sha256";
  const hash = (data: Buffer) => createHash(algorithm).update(data).digest();
  const bytes = serializeCodeDirectory({
    version: CD_VERSION.EXECSEG,
    flags: 0,
    hashType,
    platform: 0,
    pageSizeLog2: 12,
    codeLimit: pages.reduce((n, p) => n + p.length, 0),
    identifier,
    teamId: TEST_TEAM_ID,
    specialSlots: [hash(Buffer.from("Info.plist")), Buffer.alloc(hash(Buffer.alloc(0)).length)],
    codeSlots: pages.map(hash),
    execSegBase: 0n,
    execSegLimit: 16384n,
    execSegFlags: 1n,
  });
  return { hashType, bytes };
}

const parsed = (d: CodeDirectoryForSigning): CodeDirectory => parseCodeDirectory(d.bytes);
const pages = [randomBytes(4096), randomBytes(4096), randomBytes(1000)];

/** openssl's verdict on the detached CMS over `content`, trusting only the test root. */
function opensslVerifies(cms: Buffer, content: Buffer): { ok: boolean; stderr: string } {
  const dir = fs.mkdtempSync(path.join(tmp, "openssl-"));
  fs.writeFileSync(path.join(dir, "sig.der"), cms);
  fs.writeFileSync(path.join(dir, "cd.der"), content);
  const result = spawnSync(
    "openssl",
    ["cms", "-verify", "-binary", "-content", "cd.der", "-inform", "DER", "-in", "sig.der"].concat([
      "-CAfile",
      pki.root,
      "-purpose",
      "any",
      "-out",
      "/dev/null",
    ]),
    { cwd: dir },
  );
  return { ok: result.status === 0, stderr: result.stderr.toString() };
}

/** The SignerInfo's signed attributes as the SET (tag 0x31) the signature covers, and their types. */
function signedAttributesOf(cms: Buffer): { der: Buffer; types: string[] } {
  const info = asn1js.fromBER(cms).result as asn1js.Sequence;
  const signedData = (info.valueBlock.value[1] as asn1js.Constructed).valueBlock.value[0] as asn1js.Sequence;
  const signerInfos = signedData.valueBlock.value.at(-1) as asn1js.Set;
  const signerInfo = signerInfos.valueBlock.value[0] as asn1js.Sequence;
  const attrs = signerInfo.valueBlock.value.find((v) => v.idBlock.tagClass === 3 && v.idBlock.tagNumber === 0);
  assert.ok(attrs instanceof asn1js.Constructed);
  const der = Buffer.from(attrs.valueBeforeDecodeView);
  der[0] = 0x31;
  const types = attrs.valueBlock.value.map((a) =>
    ((a as asn1js.Sequence).valueBlock.value[0] as asn1js.ObjectIdentifier).valueBlock.toString(),
  );
  return { der, types };
}

async function fixtureSignature(fixture: string, binary: string, arch: string) {
  return withZip(fixturePath("ipa", fixture), async (zip) => {
    const source = bufferSource(await zip.readEntry(binary, 64 * 1024 * 1024));
    const slice = (await readMachoSlices(source)).find((s) => s.arch === arch);
    assert.ok(slice?.codeSignature);
    return parseEmbeddedSignature(await readSignatureBytes(source, slice, 1 << 24), slice.codeSignature.dataOffset);
  });
}

describe("createCodeDirectorySigner", () => {
  for (const [name, key, hashTypes] of [
    ["RSA, one SHA-256 directory", () => rsa, [2]],
    ["RSA, SHA-1 primary + SHA-256 alternate", () => rsa, [1, 2]],
    ["EC P-256, SHA-1 primary + SHA-256 alternate", () => ec, [1, 2]],
  ] as const) {
    test(`${name}: openssl and lib/verify both accept it, and the chain reaches the test root`, async () => {
      const identity = key();
      const directories = hashTypes.map((t) => directory(t, pages));
      // Within the test certificates' validity (made just now); CMS times have whole seconds.
      const signingTime = new Date(Math.floor(Date.now() / 1000) * 1000);
      const cms = await createCodeDirectorySigner(identity, { signingTime })(directories);
      const primary = directories[0];
      assert.ok(primary);

      const openssl = opensslVerifies(cms, primary.bytes);
      assert.ok(openssl.ok, openssl.stderr);

      const check = await verifyCmsSignature(cms, directories.map(parsed));
      assert.deepEqual(check.problems, []);
      assert.equal(check.signer?.fingerprint256, identity.certificate.fingerprint256);
      assert.equal(check.digestAlgorithm, "sha256");
      assert.equal(check.signingTime?.toISOString(), signingTime.toISOString());
      assert.ok(check.signer);
      const chain = verifyChain(check.signer, {
        intermediates: check.certificates,
        extraAnchors: anchors,
        at: signingTime,
      });
      assert.equal(chain.trusted, true, chain.detail);
      assert.equal(chain.chain.length, 3, "leaf, the intermediate carried in the CMS, the root");
    });
  }

  test("a changed directory or a swapped alternate is refused", async () => {
    const directories = [directory(1, pages), directory(2, pages)];
    const [primary, alternate] = directories;
    assert.ok(primary && alternate);
    const cms = await createCodeDirectorySigner(rsa)(directories);

    const changed = Buffer.from(primary.bytes);
    changed[changed.length - 1] = (changed[changed.length - 1] ?? 0) ^ 1;
    assert.equal(opensslVerifies(cms, changed).ok, false);
    const tampered = await verifyCmsSignature(cms, [parsed({ ...primary, bytes: changed }), parsed(alternate)]);
    assert.match(tampered.problems.join(" "), /message digest differs/);

    // Another binary's SHA-256 directory beside the signed primary: its cdhash is in neither list.
    const swapped = directory(2, [randomBytes(4096)]);
    const check = await verifyCmsSignature(cms, [parsed(primary), parsed(swapped)]);
    assert.match(check.problems.join(" "), /not in the signed CDHashes list/);
    assert.match(check.problems.join(" "), /not in the signed CDHashes2 list/);
  });

  test("the signing time is written as UTCTime before 2050 and GeneralizedTime after (RFC 5652)", async () => {
    const directories = [directory(2, pages)];
    for (const at of ["2049-12-31T23:59:59Z", "2050-01-01T00:00:00Z"]) {
      const cms = await createCodeDirectorySigner(rsa, { signingTime: new Date(at) })(directories);
      const check = await verifyCmsSignature(cms, directories.map(parsed));
      assert.deepEqual(check.problems, []);
      assert.equal(check.signingTime?.toISOString(), new Date(at).toISOString());
    }
  });

  test("the CMS fits the space the re-signer reserves", async () => {
    const { CMS_RESERVED_BYTES } = await import("@/lib/signing/code-directory-signer");
    const cms = await createCodeDirectorySigner(rsa)([directory(1, pages), directory(2, pages)]);
    assert.ok(cms.length < CMS_RESERVED_BYTES, `${cms.length} bytes`);
  });
});

describe("the signed attributes match codesign's", () => {
  test("ipa-server--ipa.ipa (codesign 2021, one SHA-256 directory): byte for byte, given its signing time", async () => {
    const signature = await fixtureSignature("ipa-server--ipa.ipa", "Payload/Test.app/Test", "arm64");
    assert.ok(signature.cms);
    const real = signedAttributesOf(signature.cms);
    const directories = signature.codeDirectories.map(({ cd }) => ({ hashType: cd.hashType, bytes: cd.raw }));
    const check = await verifyCmsSignature(
      signature.cms,
      signature.codeDirectories.map((d) => d.cd),
    );
    assert.ok(check.signingTime);
    assert.deepEqual(signedAttributes(directories, check.signingTime), real.der);

    // And what the signer writes carries the same attribute types in the same order.
    const ours = signedAttributesOf(await createCodeDirectorySigner(rsa)(directories));
    assert.deepEqual(ours.types, real.types);
    assert.deepEqual(real.types, [
      "1.2.840.113549.1.9.3",
      "1.2.840.113549.1.9.5",
      "1.2.840.113549.1.9.4",
      "1.2.840.113635.100.9.2",
      "1.2.840.113635.100.9.1",
    ]);
  });

  test("app_info--iphone.ipa (codesign 2016, SHA-1 + SHA-256): the CDHashes plist byte for byte", async () => {
    const signature = await fixtureSignature("app_info--iphone.ipa", "Payload/AppInfoDemo.app/AppInfoDemo", "arm64");
    assert.ok(signature.cms);
    const directories = signature.codeDirectories.map(({ cd }) => ({ hashType: cd.hashType, bytes: cd.raw }));
    assert.deepEqual(
      directories.map((d) => d.hashType),
      [1, 2],
    );
    const plist = cdhashesPlist(directories);
    assert.ok(signature.cms.includes(plist), "the fixture's CMS holds exactly this plist");
    // That older codesign wrote no CDHashes2; today's writes both, and the verifier checks both.
    assert.equal(signedAttributesOf(signature.cms).types.includes("1.2.840.113635.100.9.2"), false);
  });
});
