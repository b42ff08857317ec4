import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { parseSignedData, verifySignedData } from "@/lib/analysis/profile/cms";
import { signCms } from "@/lib/devices/cms-sign";
import { issue, makeRoot, signerOf } from "@/tests/helpers/device-identity";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-cms-sign-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("signCms (enrollment profiles, pkijs)", () => {
  test("openssl and Ferry's own reader verify it; the payload and chain are carried", () => {
    const root = makeRoot(dir, "Ferry Test Profile Root");
    const leaf = issue(dir, root, "/CN=Ferry Profile Signer", false);
    const payload = Buffer.from('<?xml version="1.0"?><plist><dict/></plist>\n');
    const signed = signCms(payload, signerOf(leaf), new Date("2026-12-06T12:00:00Z"));
    const file = path.join(dir, "signed.der");
    fs.writeFileSync(file, signed);
    const out = execFileSync("openssl", [
      "cms",
      "-verify",
      "-inform",
      "DER",
      "-in",
      file,
      "-CAfile",
      root.certPath,
      "-purpose",
      "any",
    ]);
    assert.ok(out.equals(payload));
    // The content is one primitive OCTET STRING (DER), as before pkijs (whose default would chunk it, BER).
    assert.ok(signed.includes(Buffer.concat([Buffer.from([0x04, payload.length]), payload])));
    const sd = parseSignedData(signed);
    assert.ok(sd.content.equals(payload));
    assert.equal(sd.certificates.length, 2);
    assert.equal(verifySignedData(sd).status, "valid");
    // One flipped content byte: the digest no longer matches.
    const tampered = Buffer.from(signed);
    const at = tampered.indexOf(Buffer.from("<plist>"));
    tampered[at + 1] = 0x58;
    assert.equal(verifySignedData(parseSignedData(tampered)).status, "invalid");
  });
});
