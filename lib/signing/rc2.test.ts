import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { rc2CbcDecrypt, rc2DecryptBlock, rc2ExpandKey } from "@/lib/signing/rc2";
import { openssl } from "@/tests/helpers/signing-pki";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-rc2-test-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("RC2 (RFC 2268)", () => {
  // RFC 2268 section 5: key, effective key bits, plaintext, ciphertext.
  const vectors: Array<[string, number, string, string]> = [
    ["0000000000000000", 63, "0000000000000000", "ebb773f993278eff"],
    ["ffffffffffffffff", 64, "ffffffffffffffff", "278b27e42e2f0d49"],
    ["3000000000000000", 64, "1000000000000001", "30649edf9be7d2c2"],
    ["88", 64, "0000000000000000", "61a8a244adacccf0"],
    ["88bca90e90875a", 64, "0000000000000000", "6ccf4308974c267f"],
    ["88bca90e90875a7f0f79c384627bafb2", 64, "0000000000000000", "1a807d272bbe5db1"],
    ["88bca90e90875a7f0f79c384627bafb2", 128, "0000000000000000", "2269552ab0f85ca6"],
    ["88bca90e90875a7f0f79c384627bafb216f80a6f85920584c42fceb0be255daf1e", 129, "0000000000000000", "5b78d3a43dfff1f1"],
  ];
  for (const [key, bits, plain, cipher] of vectors) {
    test(`decrypts the RFC vector key=${key.slice(0, 16)}… bits=${bits}`, () => {
      const block = Buffer.from(cipher, "hex");
      rc2DecryptBlock(rc2ExpandKey(Buffer.from(key, "hex"), bits), block);
      assert.equal(block.toString("hex"), plain);
    });
  }

  test("decrypts what openssl's legacy provider encrypts with RC2-40-CBC (the PKCS#12 certificate cipher)", () => {
    const key = randomBytes(5);
    const iv = randomBytes(8);
    const plain = randomBytes(1000);
    fs.writeFileSync(path.join(tmp, "plain.bin"), plain);
    openssl(tmp, [
      "enc",
      "-rc2-40-cbc",
      "-provider",
      "legacy",
      "-provider",
      "default",
      "-K",
      key.toString("hex"),
      "-iv",
      iv.toString("hex"),
      "-in",
      "plain.bin",
      "-out",
      "cipher.bin",
    ]);
    const cipher = fs.readFileSync(path.join(tmp, "cipher.bin"));
    assert.deepEqual(rc2CbcDecrypt(key, 40, iv, cipher), plain);
    // Another key gives other bytes (or, mostly, bad padding).
    let other: Buffer | null = null;
    try {
      other = rc2CbcDecrypt(Buffer.from(key.map((b) => b ^ 0xff)), 40, iv, cipher);
    } catch {
      other = null;
    }
    assert.notDeepEqual(other, plain);
  });
});
