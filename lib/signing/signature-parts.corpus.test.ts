import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { derEntitlements, derEntitlementsFormOf } from "@/lib/signing/der-entitlements";
import {
  compileRequirement,
  designatedRequirementsBlob,
  encodeOid,
  iosDesignatedRequirement,
} from "@/lib/signing/requirements";
import { fileSource } from "@/lib/verify/byte-source";
import { verifyCmsSignature } from "@/lib/verify/cms-signature";
import { readMachoSlices, readSignatureBytes } from "@/lib/verify/macho";
import { type EmbeddedSignature, parseEmbeddedSignature } from "@/lib/verify/signature-blobs";
import { extractFixtureBinaries, type FixtureBinary } from "@/tests/helpers/fixture-binaries";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-signature-parts-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

let binaries: FixtureBinary[] = [];
before(async () => {
  binaries = await extractFixtureBinaries(tmp);
});

async function signaturesOf(binary: FixtureBinary): Promise<EmbeddedSignature[]> {
  const source = await fileSource(binary.file);
  try {
    const out: EmbeddedSignature[] = [];
    for (const slice of await readMachoSlices(source)) {
      if (!slice.codeSignature) continue;
      out.push(
        parseEmbeddedSignature(await readSignatureBytes(source, slice, 1 << 26), slice.codeSignature.dataOffset),
      );
    }
    return out;
  } finally {
    await source.close();
  }
}

describe("designated requirements against codesign's own blobs", () => {
  test("every slice of every fixture: the requirement compiled from its identifier and signer equals the original blob", async () => {
    let compared = 0;
    for (const binary of binaries) {
      for (const signature of await signaturesOf(binary)) {
        assert.ok(signature.requirements && signature.cms, `${binary.entry} has requirements and a CMS`);
        const primary = signature.codeDirectories[0]?.cd;
        assert.ok(primary);
        const cms = await verifyCmsSignature(signature.cms, [primary]);
        assert.ok(cms.signer, binary.entry);
        const cn =
          cms.signer.subject
            .split("\n")
            .find((l) => l.startsWith("CN="))
            ?.slice(3) ?? "";
        // Self-signed identities get "certificate root = H<sha1 of the root>" instead of Apple's anchor.
        const text =
          binary.fixture === "fastlane--very-capable-app.ipa"
            ? `identifier "${primary.identifier}" and certificate root = H"${createHash("sha1").update(cms.signer.raw).digest("hex")}"`
            : iosDesignatedRequirement(primary.identifier, cn);
        assert.equal(
          designatedRequirementsBlob(text).toString("hex"),
          signature.requirements.toString("hex"),
          `${binary.entry}: ${text}`,
        );
        compared++;
      }
    }
    assert.ok(compared >= 30, `compared ${compared} slices`);
  });

  test("OIDs and the accepted syntax", () => {
    assert.equal(encodeOid("1.2.840.113635.100.6.2.1").toString("hex"), "2a864886f76364060201");
    assert.deepEqual(
      compileRequirement('identifier "a" and anchor apple'),
      compileRequirement("identifier a and anchor apple /* comment */"),
    );
    assert.throws(() => compileRequirement('identifier "a" or anchor apple'), /unexpected "or"/);
    assert.throws(() => compileRequirement("info[CFBundleVersion] = 1"), /unsupported requirement term/);
    assert.throws(() => compileRequirement('identifier "a'), /unterminated string/);
  });
});

describe("DER entitlements", () => {
  test("every fixture slice with DER entitlements: the DER built from its XML equals the original byte for byte", async () => {
    let compared = 0;
    const forms = new Set<string>();
    for (const binary of binaries) {
      for (const signature of await signaturesOf(binary)) {
        if (!signature.derEntitlements || !signature.entitlements) continue;
        const der = derEntitlements(
          signature.entitlements.subarray(8),
          derEntitlementsFormOf(signature.derEntitlements),
        );
        forms.add(derEntitlementsFormOf(signature.derEntitlements));
        assert.equal(der.toString("hex"), signature.derEntitlements.subarray(8).toString("hex"), binary.entry);
        compared++;
      }
    }
    // The embedded app and its extension, BitBarSampleApp, bitbar-sample-latest and ipa-server.
    assert.equal(compared, 5);
    // BitBarSampleApp carries the versioned form, the others the bare SET: both are checked byte for byte.
    assert.deepEqual([...forms].sort(), ["set", "versioned"]);
  });

  const xml = (body: string) =>
    Buffer.from(`<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict>${body}</dict></plist>`, "utf8");

  test("the versioned form: [APPLICATION 16] { 1, [CONTEXT 16] sorted by key }, true as 0xff", () => {
    assert.equal(derEntitlements(xml(""), "versioned").toString("hex"), "7005020101b000");
    const der = derEntitlements(xml("<key>b</key><true/><key>a</key><integer>-1</integer>"), "versioned");
    // a before b by key; INTEGER -1 is ff; BOOLEAN true is ff.
    assert.equal(der.toString("hex"), "7015020101b010" + "30060c01610201ff" + "30060c01620101ff");
  });

  test("values DER cannot carry are refused", () => {
    assert.throws(() => derEntitlements(xml("<key>a</key><real>1.5</real>"), "set"), /real numbers/);
    assert.throws(() => derEntitlements(xml("<key>a</key><data>AA==</data>"), "set"), /cannot carry/);
  });
});
