import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createPrivateKey, randomBytes, X509Certificate } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import * as asn1js from "asn1js";
import { AppError, type ErrorCode } from "@/lib/errors";
import { MAX_PKCS12_BYTES } from "@/lib/signing/pkcs12";
import { parsePemIdentity, parsePkcs12Identity, type SigningIdentity } from "@/lib/signing/signing-identity";
import {
  exportP12,
  issue,
  makeTestPki,
  openssl,
  RSA,
  TEST_COMMON_NAME,
  TEST_TEAM_ID,
  type TestPki,
} from "@/tests/helpers/signing-pki";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-identity-test-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

// Distinctive, so a leak into any message is unmistakable.
const PASSWORD = "Corr3ct-H0rse-p12-s3cret";
let pki: TestPki;
before(() => {
  pki = makeTestPki(tmp);
});

const read = (file: string) => fs.readFileSync(file);
const text = (file: string) => fs.readFileSync(file, "utf8");

/** Every AppError the tests provoke, to check afterwards that none carries the password. */
const seen: AppError[] = [];

function expectCode(code: ErrorCode, fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof AppError, `expected an AppError, got ${String(error)}`);
    seen.push(error);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected ${code}`);
}

function assertIdentity(identity: SigningIdentity, leafCert: string, keyType: "rsa" | "ec"): void {
  const leaf = new X509Certificate(read(leafCert));
  assert.equal(identity.certificate.fingerprint256, leaf.fingerprint256);
  assert.equal(identity.privateKey.asymmetricKeyType, keyType);
  assert.equal(identity.commonName, TEST_COMMON_NAME);
  assert.equal(identity.teamId, TEST_TEAM_ID);
  assert.equal(identity.serial, leaf.serialNumber.toUpperCase());
  assert.equal(identity.notAfter.getTime(), new Date(leaf.validTo).getTime());
  assert.deepEqual(
    identity.chain.map((c) => c.fingerprint256),
    [new X509Certificate(read(pki.intermediate)).fingerprint256],
  );
}

/** What openssl itself says the file's bags are encrypted with. */
function p12Algorithms(file: string): string {
  // openssl prints the algorithms on stderr.
  const result = spawnSync(
    "openssl",
    ["pkcs12", "-info", "-noout", "-legacy", "-in", file, "-passin", `pass:${PASSWORD}`],
    { cwd: pki.dir },
  );
  return `${result.stdout}${result.stderr}`;
}

/**
 * A copy of a .p12 with every iteration count of 2,048 (openssl's default: the
 * MAC's and every bag encryption's, also inside nested DER octet strings) set
 * to `iterations`. The MAC no longer matches: the cap must refuse it first.
 */
function withIterations(file: Buffer, iterations: bigint): Buffer {
  const hex = iterations.toString(16);
  const patch = (node: asn1js.AsnType): asn1js.AsnType => {
    if (node instanceof asn1js.Integer && node.toBigInt() === 2048n) {
      return new asn1js.Integer({ valueHex: Buffer.from(hex.length % 2 ? `0${hex}` : hex, "hex") });
    }
    if (node instanceof asn1js.OctetString && !node.idBlock.isConstructed) {
      const inner = node.valueBlock.valueHexView;
      const parsed = asn1js.fromBER(inner);
      if (inner[0] === 0x30 && parsed.offset === inner.length) {
        return new asn1js.OctetString({ valueHex: patch(parsed.result).toBER() });
      }
      return node;
    }
    if (node instanceof asn1js.Sequence || node instanceof asn1js.Set || node instanceof asn1js.Constructed) {
      node.valueBlock.value = node.valueBlock.value.map(patch);
    }
    return node;
  };
  return Buffer.from(patch(asn1js.fromBER(file).result).toBER());
}

/** A MAC-less PFX with an unencrypted key bag and certificate bags (RFC 7292 allows both). */
function plainPfx(pkcs8: Buffer, certificates: Buffer[]): Buffer {
  const explicit = (inner: asn1js.AsnType) =>
    new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [inner] });
  const oid = (value: string) => new asn1js.ObjectIdentifier({ value });
  const der = (bytes: Buffer) => asn1js.fromBER(bytes).result;
  const bags = [
    new asn1js.Sequence({ value: [oid("1.2.840.113549.1.12.10.1.1"), explicit(der(pkcs8))] }),
    ...certificates.map(
      (cert) =>
        new asn1js.Sequence({
          value: [
            oid("1.2.840.113549.1.12.10.1.3"),
            explicit(
              new asn1js.Sequence({
                value: [oid("1.2.840.113549.1.9.22.1"), explicit(new asn1js.OctetString({ valueHex: cert }))],
              }),
            ),
          ],
        }),
    ),
  ];
  const data = (content: ArrayBuffer) =>
    new asn1js.Sequence({
      value: [oid("1.2.840.113549.1.7.1"), explicit(new asn1js.OctetString({ valueHex: content }))],
    });
  const authSafe = new asn1js.Sequence({ value: [data(new asn1js.Sequence({ value: bags }).toBER())] });
  return Buffer.from(
    new asn1js.Sequence({ value: [new asn1js.Integer({ value: 3 }), data(authSafe.toBER())] }).toBER(),
  );
}

describe("parsePkcs12Identity", () => {
  test("OpenSSL 3's default export (PBES2: PBKDF2 + AES-256-CBC, SHA-256 MAC)", () => {
    const file = exportP12(pki, pki.rsa, "default", PASSWORD);
    assert.match(p12Algorithms(file), /PBES2, PBKDF2, AES-256-CBC/);
    assertIdentity(parsePkcs12Identity(read(file), PASSWORD), pki.rsa.cert, "rsa");
  });

  test("a Keychain-style legacy export (3DES key bag, RC2-40 certificates, SHA-1 MAC)", () => {
    const file = exportP12(pki, pki.rsa, "legacy", PASSWORD, ["-legacy"]);
    const algorithms = p12Algorithms(file);
    assert.match(algorithms, /pbeWithSHA1And40BitRC2-CBC/);
    assert.match(algorithms, /pbeWithSHA1And3-KeyTripleDES-CBC/);
    assert.match(algorithms, /MAC: sha1/);
    assertIdentity(parsePkcs12Identity(read(file), PASSWORD), pki.rsa.cert, "rsa");
  });

  test("3DES for both key and certificates, SHA-1 MAC", () => {
    const file = exportP12(pki, pki.rsa, "3des", PASSWORD, [
      "-keypbe",
      "PBE-SHA1-3DES",
      "-certpbe",
      "PBE-SHA1-3DES",
      "-macalg",
      "sha1",
    ]);
    assertIdentity(parsePkcs12Identity(read(file), PASSWORD), pki.rsa.cert, "rsa");
  });

  test("an EC (P-256) identity, default and legacy", () => {
    for (const extra of [[], ["-legacy"]]) {
      const file = exportP12(pki, pki.ec, `ec${extra.length}`, PASSWORD, extra);
      assertIdentity(parsePkcs12Identity(read(file), PASSWORD), pki.ec.cert, "ec");
    }
  });

  test("an empty password (default and legacy)", () => {
    for (const extra of [[], ["-legacy"]]) {
      const file = exportP12(pki, pki.rsa, `empty${extra.length}`, "", extra);
      assertIdentity(parsePkcs12Identity(read(file), ""), pki.rsa.cert, "rsa");
    }
  });

  test("a wrong password is signing_identity_wrong_password, for either encryption", () => {
    for (const extra of [[], ["-legacy"]]) {
      const file = exportP12(pki, pki.rsa, `wrong${extra.length}`, PASSWORD, extra);
      expectCode("signing_identity_wrong_password", () => parsePkcs12Identity(read(file), `${PASSWORD}x`));
      expectCode("signing_identity_wrong_password", () => parsePkcs12Identity(read(file), ""));
    }
    // Without a MAC, the wrong password shows when a bag does not decrypt.
    const noMac = exportP12(pki, pki.rsa, "nomac", PASSWORD, ["-nomac"]);
    assertIdentity(parsePkcs12Identity(read(noMac), PASSWORD), pki.rsa.cert, "rsa");
    const error = expectCode("signing_identity_wrong_password", () =>
      parsePkcs12Identity(read(noMac), "not the password"),
    );
    assert.doesNotMatch(error.message, /not the password/);
  });

  test("not a PKCS#12 file: random bytes, a PEM file, an empty file", () => {
    expectCode("signing_identity_unreadable", () => parsePkcs12Identity(randomBytes(3000), PASSWORD));
    expectCode("signing_identity_unreadable", () => parsePkcs12Identity(read(pki.rsa.cert), PASSWORD));
    expectCode("signing_identity_unreadable", () => parsePkcs12Identity(Buffer.alloc(0), PASSWORD));
    // A DER certificate is a SEQUENCE too, but not a PFX.
    const der = new X509Certificate(read(pki.rsa.cert)).raw;
    expectCode("signing_identity_unreadable", () => parsePkcs12Identity(der, PASSWORD));
  });

  test("a file over the size cap is refused before it is parsed", () => {
    const error = expectCode("payload_too_large", () =>
      parsePkcs12Identity(Buffer.alloc(MAX_PKCS12_BYTES + 1, 0x30), PASSWORD),
    );
    assert.equal(error.status, 413);
  });

  test("no private key, or no certificate, inside", () => {
    const certsOnly = path.join(pki.dir, "certs-only.p12");
    openssl(pki.dir, [
      "pkcs12",
      "-export",
      "-nokeys",
      "-in",
      pki.rsa.cert,
      "-passout",
      `pass:${PASSWORD}`,
      "-out",
      certsOnly,
    ]);
    expectCode("signing_identity_no_private_key", () => parsePkcs12Identity(read(certsOnly), PASSWORD));
    const keyOnly = path.join(pki.dir, "key-only.p12");
    openssl(pki.dir, [
      "pkcs12",
      "-export",
      "-nocerts",
      "-inkey",
      pki.rsa.key,
      "-passout",
      `pass:${PASSWORD}`,
      "-out",
      keyOnly,
    ]);
    expectCode("signing_identity_no_certificate", () => parsePkcs12Identity(read(keyOnly), PASSWORD));
  });

  test("a key whose certificate is not in the file is signing_identity_key_mismatch", () => {
    // openssl refuses to export a mismatched pair: the file is assembled here (no MAC, plain bags).
    const ecKey = createPrivateKey(read(pki.ec.key)).export({ type: "pkcs8", format: "der" });
    const file = plainPfx(ecKey, [new X509Certificate(read(pki.rsa.cert)).raw]);
    expectCode("signing_identity_key_mismatch", () => parsePkcs12Identity(file, PASSWORD));
    // The same construction with the matching certificate is read: the assembly itself is sound.
    const rsaKey = createPrivateKey(read(pki.rsa.key)).export({ type: "pkcs8", format: "der" });
    const good = plainPfx(rsaKey, [
      new X509Certificate(read(pki.rsa.cert)).raw,
      new X509Certificate(read(pki.intermediate)).raw,
    ]);
    assertIdentity(parsePkcs12Identity(good, PASSWORD), pki.rsa.cert, "rsa");
  });

  test("a certificate not issued for code signing is refused", () => {
    const file = exportP12(pki, pki.tls, "tls", PASSWORD);
    const error = expectCode("signing_identity_unsuitable_certificate", () =>
      parsePkcs12Identity(read(file), PASSWORD),
    );
    assert.match(error.message, /not issued for code signing/);
    // Code signing by extended key usage, but a key usage without digitalSignature.
    const noSignature = issue(
      pki.dir,
      "leaf-nosig",
      RSA,
      "/CN=No Signatures/OU=FERRYTEST1",
      "keyUsage=critical,keyEncipherment\nextendedKeyUsage=codeSigning\n",
      { cert: pki.intermediate, key: path.join(pki.dir, "intermediate.key") },
    );
    const refused = expectCode("signing_identity_unsuitable_certificate", () =>
      parsePemIdentity(text(noSignature.cert), text(noSignature.key)),
    );
    assert.match(refused.message, /does not allow digital signatures/);
  });

  test("a non-ASCII password (UTF-8 for PBKDF2, BMPString for the PKCS#12 KDF)", () => {
    const password = "pässwörd-€-日本";
    for (const extra of [[], ["-legacy"]]) {
      const file = exportP12(pki, pki.rsa, `unicode${extra.length}`, password, extra);
      assertIdentity(parsePkcs12Identity(read(file), password), pki.rsa.cert, "rsa");
      expectCode("signing_identity_wrong_password", () => parsePkcs12Identity(read(file), "passwörd"));
    }
  });

  test("a higher, still realistic iteration count (50,000, legacy) is accepted", () => {
    const file = exportP12(pki, pki.rsa, "iter50k", PASSWORD, ["-legacy", "-iter", "50000", "-maciter"]);
    assertIdentity(parsePkcs12Identity(read(file), PASSWORD), pki.rsa.cert, "rsa");
  });

  test("a hostile iteration count (2^31 - 1) is refused before any work, in the MAC or in a bag", () => {
    const legacy = read(exportP12(pki, pki.rsa, "hostile", PASSWORD, ["-legacy"]));
    const error = expectCode("signing_identity_too_costly", () =>
      parsePkcs12Identity(withIterations(legacy, 2n ** 31n - 1n), PASSWORD),
    );
    assert.equal(error.status, 422);
    // Far beyond a JavaScript number, too.
    expectCode("signing_identity_too_costly", () => parsePkcs12Identity(withIterations(legacy, 2n ** 80n), PASSWORD));
    // No MAC: the certificate bag's own KDF (PBKDF2 in the default export, PKCS#12 KDF in the legacy one).
    for (const extra of [["-nomac"], ["-nomac", "-legacy"]]) {
      const file = read(exportP12(pki, pki.rsa, `hostile${extra.length}`, PASSWORD, extra));
      expectCode("signing_identity_too_costly", () =>
        parsePkcs12Identity(withIterations(file, 2n ** 31n - 1n), PASSWORD),
      );
    }
  });
});

describe("parsePemIdentity", () => {
  test("PKCS#8, PKCS#1 and SEC1 keys; the chain after the leaf", () => {
    const chainPem = `${text(pki.rsa.cert)}${text(pki.intermediate)}`;
    assertIdentity(parsePemIdentity(chainPem, text(pki.rsa.key)), pki.rsa.cert, "rsa");
    const pkcs1 = openssl(pki.dir, ["pkey", "-in", pki.rsa.key, "-traditional"]).toString();
    assert.match(pkcs1, /BEGIN RSA PRIVATE KEY/);
    assertIdentity(parsePemIdentity(chainPem, pkcs1), pki.rsa.cert, "rsa");
    const sec1 = openssl(pki.dir, ["ec", "-in", pki.ec.key]).toString();
    assert.match(sec1, /BEGIN EC PRIVATE KEY/);
    assertIdentity(parsePemIdentity(`${text(pki.ec.cert)}${text(pki.intermediate)}`, sec1), pki.ec.cert, "ec");
    // Without the chain, the chain is empty.
    assert.deepEqual(parsePemIdentity(read(pki.rsa.cert), read(pki.rsa.key)).chain, []);
  });

  test("an encrypted PKCS#8 key with its password; a wrong password", () => {
    const encrypted = openssl(pki.dir, [
      "pkcs8",
      "-topk8",
      "-v2",
      "aes-256-cbc",
      "-in",
      pki.rsa.key,
      "-passout",
      `pass:${PASSWORD}`,
    ]).toString();
    assert.match(encrypted, /BEGIN ENCRYPTED PRIVATE KEY/);
    const chainPem = `${text(pki.rsa.cert)}${text(pki.intermediate)}`;
    assertIdentity(parsePemIdentity(chainPem, encrypted, PASSWORD), pki.rsa.cert, "rsa");
    expectCode("signing_identity_wrong_password", () => parsePemIdentity(chainPem, encrypted, "wrong"));
  });

  test("mismatched key and certificate, missing parts, unsuitable certificate", () => {
    expectCode("signing_identity_key_mismatch", () => parsePemIdentity(text(pki.rsa.cert), text(pki.ec.key)));
    expectCode("signing_identity_no_certificate", () => parsePemIdentity("nothing here", text(pki.rsa.key)));
    expectCode("signing_identity_no_private_key", () => parsePemIdentity(text(pki.rsa.cert), text(pki.rsa.cert)));
    expectCode("signing_identity_unsuitable_certificate", () =>
      parsePemIdentity(text(pki.tls.cert), text(pki.tls.key)),
    );
    expectCode("payload_too_large", () => parsePemIdentity("x".repeat(70 * 1024), text(pki.rsa.key)));
  });
});

test("no error message, serialised error or stack ever carries the password", () => {
  assert.ok(seen.length >= 15, `errors collected: ${seen.length}`);
  for (const error of seen) {
    for (const shown of [error.message, JSON.stringify(error), String(error.stack), String(error.cause ?? "")]) {
      assert.ok(!shown.includes(PASSWORD), `${error.code} leaks the password`);
    }
  }
});
