import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  codeSignatureAt,
  codeSignatureWarnings,
  type StoredCodeSignature,
  toStoredCodeSignature,
} from "@/lib/verify/stored-code-signature";
import { verifyCodeSignature } from "@/lib/verify/verify-code-signature";
import { fixturePath } from "@/tests/helpers/fixtures";

async function stored(file: string, at: Date): Promise<StoredCodeSignature> {
  // Round-tripped through JSON like the database column.
  return JSON.parse(JSON.stringify(toStoredCodeSignature(await verifyCodeSignature(file, { extraAnchors: [], at }))));
}

describe("stored code signatures: expiry judged when read, warnings for the install pages", () => {
  test("expiry is not stored but judged at each read", async () => {
    const report = await stored(fixturePath("ipa", "ipa-server--ipa.ipa"), new Date("2030-01-01T00:00:00Z"));
    assert.deepEqual(report.problems, [], "the certificate_expired seen at upload is not stored");
    assert.equal(report.verifiedAt, "2030-01-01T00:00:00.000Z");

    const before = codeSignatureAt(report, new Date("2021-06-01T00:00:00Z"));
    assert.equal(before?.valid, true);
    assert.deepEqual(before?.problems, []);
    assert.deepEqual(codeSignatureWarnings(report, new Date("2021-06-01T00:00:00Z")), []);

    const soon = codeSignatureAt(report, new Date("2022-04-10T00:00:00Z"));
    assert.deepEqual(
      soon?.problems.map((p) => [p.code, p.path]),
      [["certificate_expiring_soon", "Payload/Test.app/Test"]],
    );
    const later = codeSignatureWarnings(report, new Date("2023-01-01T00:00:00Z"));
    assert.deepEqual(
      later.map((w) => [w.code, w.severity]),
      [["certificate_expired", "warning"]],
    );
    assert.equal(codeSignatureAt(report, new Date("2023-01-01T00:00:00Z"))?.valid, true);
  });

  test("a broken seal is an error naming the file; an untrusted signer is an error too", async () => {
    const at = new Date("2016-08-01T00:00:00Z");
    const synthetic = await stored(fixturePath("synthetic", "synthetic--development-2036.ipa"), at);
    assert.deepEqual(codeSignatureWarnings(synthetic, at), [
      {
        code: "code_signature_invalid",
        severity: "error",
        message: "embedded.mobileprovision was modified after signing: iOS will refuse it.",
        hint: "Export the build again from Xcode (or re-sign it) without changing any file afterwards, then upload it again.",
      },
    ]);
    const selfSigned = await stored(fixturePath("ipa", "fastlane--very-capable-app.ipa"), new Date("2019-01-01"));
    assert.deepEqual(
      codeSignatureWarnings(selfSigned, new Date("2019-01-01")).map((w) => [w.code, w.severity]),
      [["signature_not_trusted", "error"]],
    );
  });

  test("no report (builds stored before verification): no verdict and no warning", () => {
    assert.equal(codeSignatureAt(null, new Date()), null);
    assert.deepEqual(codeSignatureWarnings(null, new Date()), []);
    assert.equal(codeSignatureAt({ unrelated: true }, new Date()), null);
  });
});
