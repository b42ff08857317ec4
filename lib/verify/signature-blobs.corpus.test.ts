import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { buildZip } from "@/lib/analysis/ipa/test-helpers";
import { withZip } from "@/lib/analysis/ipa/zip-reader";
import { bufferSource } from "@/lib/verify/byte-source";
import { hashCodePages } from "@/lib/verify/code-pages";
import { isMachoMagic, readMachoSlices, readSignatureBytes } from "@/lib/verify/macho";
import {
  CSMAGIC,
  parseCodeDirectory,
  parseEmbeddedSignature,
  parseSuperBlob,
  serializeCodeDirectory,
  serializeSuperBlob,
  wrapBlob,
} from "@/lib/verify/signature-blobs";
import { SignatureFormatError, type SignatureFormatReason } from "@/lib/verify/signature-format-error";
import { verifyCodeSignature } from "@/lib/verify/verify-code-signature";
import { fixturePath } from "@/tests/helpers/fixtures";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-blobs-test-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("CodeDirectory round trip against Apple's own output", () => {
  const fixtures = fs.readdirSync(fixturePath("ipa")).filter((f) => f.endsWith(".ipa"));

  test("for every binary of every fixture, a directory rebuilt from the same inputs equals the original byte for byte", async () => {
    let directories = 0;
    let slices = 0;
    const hashTypes = new Set<number>();
    const versions = new Set<number>();
    for (const fixture of fixtures) {
      await withZip(fixturePath("ipa", fixture), async (zip) => {
        for (const entry of zip.entries) {
          if (entry.isDirectory || entry.uncompressedSize < 4096) continue;
          const bytes = await zip.readEntry(entry.name, 64 * 1024 * 1024);
          if (!isMachoMagic(bytes)) continue;
          const source = bufferSource(bytes);
          for (const slice of await readMachoSlices(source)) {
            assert.ok(slice.codeSignature, `${fixture} ${entry.name} ${slice.arch} is signed`);
            slices++;
            const superBlob = await readSignatureBytes(source, slice, 1 << 24);
            const signature = parseEmbeddedSignature(superBlob, slice.codeSignature.dataOffset);
            // The superblob itself is rebuilt identically from its blobs (the rest is zero padding).
            const rebuiltSuper = serializeSuperBlob(signature.blobs);
            assert.ok(rebuiltSuper.equals(superBlob.subarray(0, rebuiltSuper.length)), `${entry.name} superblob`);
            assert.ok(superBlob.subarray(rebuiltSuper.length).every((b) => b === 0));
            for (const { cd } of signature.codeDirectories) {
              // Page hashes are recomputed from the file; the rest comes from the inputs codesign had.
              const [codeSlots] = await hashCodePages(source, slice.offset, [cd]);
              const rebuilt = serializeCodeDirectory({
                version: cd.version,
                flags: cd.flags,
                hashType: cd.hashType,
                platform: cd.platform,
                pageSizeLog2: cd.pageSizeLog2,
                codeLimit: cd.codeLimit,
                identifier: cd.identifier,
                teamId: cd.teamId,
                specialSlots: cd.specialSlots,
                codeSlots: codeSlots ?? [],
                execSegBase: cd.execSegBase,
                execSegLimit: cd.execSegLimit,
                execSegFlags: cd.execSegFlags,
                runtime: cd.runtime,
              });
              assert.equal(rebuilt.toString("hex"), cd.raw.toString("hex"), `${fixture} ${entry.name} ${slice.arch}`);
              directories++;
              hashTypes.add(cd.hashType);
              versions.add(cd.version);
            }
          }
        }
      });
    }
    // 9 fixtures: 33 slices (fat armv7+arm64 and thin arm64), SHA-1 and SHA-256, versions 0x20200 and 0x20400.
    assert.equal(slices, 33);
    assert.equal(directories, 59);
    assert.deepEqual([...hashTypes].sort(), [1, 2]);
    assert.deepEqual([...versions].sort(), [0x20200, 0x20400]);
  });
});

function expectFormatError(fn: () => unknown, reason: SignatureFormatReason): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof SignatureFormatError, String(error));
    assert.equal(error.code, "malformed_code_signature");
    assert.equal(error.reason, reason, error.message);
    return true;
  });
}

function superBlob(entries: Array<{ type: number; offset: number }>, length: number, total = length): Buffer {
  const out = Buffer.alloc(total);
  out.writeUInt32BE(CSMAGIC.EMBEDDED_SIGNATURE, 0);
  out.writeUInt32BE(length, 4);
  out.writeUInt32BE(entries.length, 8);
  entries.forEach((e, i) => {
    out.writeUInt32BE(e.type, 12 + i * 8);
    out.writeUInt32BE(e.offset, 16 + i * 8);
  });
  return out;
}

function codeDirectory(overrides: { nCodeSlots?: number; codeLimit64?: bigint; hashSize?: number } = {}): Buffer {
  const cd = serializeCodeDirectory({
    version: 0x20400,
    flags: 0,
    hashType: 2,
    platform: 0,
    pageSizeLog2: 12,
    codeLimit: 4096,
    identifier: "hostile",
    teamId: null,
    specialSlots: [],
    codeSlots: [Buffer.alloc(32)],
  });
  if (overrides.nCodeSlots !== undefined) cd.writeUInt32BE(overrides.nCodeSlots, 28);
  if (overrides.codeLimit64 !== undefined) {
    cd.writeUInt32BE(0, 28);
    cd.writeUInt32BE(0, 32);
    cd.writeBigUInt64BE(overrides.codeLimit64, 56);
  }
  if (overrides.hashSize !== undefined) cd.writeUInt8(overrides.hashSize, 36);
  return cd;
}

describe("hostile signatures: a specific error, in bounded time and memory", () => {
  test("truncated superblobs", () => {
    expectFormatError(() => parseSuperBlob(Buffer.alloc(8)), "truncated");
    expectFormatError(() => parseSuperBlob(superBlob([], 1_000_000, 12)), "truncated");
    const cd = codeDirectory();
    expectFormatError(() => parseCodeDirectory(cd.subarray(0, 40)), "truncated");
    expectFormatError(() => parseCodeDirectory(cd.subarray(0, cd.length - 1)), "truncated");
  });

  test("an index claiming four billion blobs", () => {
    const blob = superBlob([], 64);
    blob.writeUInt32BE(0xffffffff, 8);
    expectFormatError(() => parseSuperBlob(blob), "too_many_entries");
  });

  test("blobs pointing into the index, at themselves or past the end (looping offsets)", () => {
    // A blob at offset 12 would be read from the index itself.
    expectFormatError(() => parseSuperBlob(superBlob([{ type: 0, offset: 12 }], 64)), "blob_out_of_bounds");
    expectFormatError(() => parseSuperBlob(superBlob([{ type: 0, offset: 0 }], 64)), "blob_out_of_bounds");
    expectFormatError(() => parseSuperBlob(superBlob([{ type: 0, offset: 1 << 30 }], 64)), "blob_out_of_bounds");
    const huge = superBlob([{ type: 0, offset: 20 }], 64);
    huge.writeUInt32BE(CSMAGIC.REQUIREMENTS, 20);
    huge.writeUInt32BE(0xfffffff0, 24);
    expectFormatError(() => parseSuperBlob(huge), "blob_out_of_bounds");
  });

  test("overlapping blobs and duplicate slots", () => {
    const overlapping = superBlob(
      [
        { type: 2, offset: 28 },
        { type: 5, offset: 36 },
      ],
      128,
    );
    overlapping.writeUInt32BE(CSMAGIC.REQUIREMENTS, 28);
    overlapping.writeUInt32BE(40, 32);
    overlapping.writeUInt32BE(CSMAGIC.EMBEDDED_ENTITLEMENTS, 36);
    overlapping.writeUInt32BE(8, 40);
    expectFormatError(() => parseSuperBlob(overlapping), "overlapping_blobs");
    // The same blob listed twice under one slot.
    const duplicate = superBlob(
      [
        { type: 2, offset: 28 },
        { type: 2, offset: 28 },
      ],
      64,
    );
    duplicate.writeUInt32BE(CSMAGIC.REQUIREMENTS, 28);
    duplicate.writeUInt32BE(8, 32);
    expectFormatError(() => parseSuperBlob(duplicate), "duplicate_slot");
  });

  test("absurd page counts, a 4 GB code limit and unknown hash types", () => {
    const before = process.memoryUsage().arrayBuffers;
    expectFormatError(() => parseCodeDirectory(codeDirectory({ nCodeSlots: 0xffffffff })), "absurd_page_count");
    expectFormatError(() => parseCodeDirectory(codeDirectory({ nCodeSlots: 2 })), "absurd_page_count");
    expectFormatError(
      () => parseCodeDirectory(codeDirectory({ codeLimit64: 4n * 1024n ** 3n }), 8192),
      "code_limit_out_of_bounds",
    );
    expectFormatError(() => parseCodeDirectory(codeDirectory({ hashSize: 20 })), "bad_code_directory");
    const unknown = codeDirectory();
    unknown.writeUInt8(9, 37);
    expectFormatError(() => parseCodeDirectory(unknown), "unsupported_hash_type");
    // Nothing was allocated for the pages claimed.
    assert.ok(process.memoryUsage().arrayBuffers - before < 16 * 1024 * 1024);
  });

  test("a hostile binary inside an .ipa is reported as malformed, naming the file", async () => {
    // A 64-bit Mach-O whose LC_CODE_SIGNATURE holds a directory claiming a 4 GB code limit.
    const cd = codeDirectory({ codeLimit64: 4n * 1024n ** 3n });
    const signature = serializeSuperBlob([{ type: 0, data: cd }]);
    const macho = Buffer.alloc(4096 + signature.length);
    macho.writeUInt32LE(0xfeedfacf, 0);
    macho.writeInt32LE(0x0100000c, 4);
    macho.writeUInt32LE(2, 12);
    macho.writeUInt32LE(1, 16);
    macho.writeUInt32LE(16, 20);
    macho.writeUInt32LE(0x1d, 32);
    macho.writeUInt32LE(16, 36);
    macho.writeUInt32LE(4096, 40);
    macho.writeUInt32LE(signature.length, 44);
    signature.copy(macho, 4096);
    const info = Buffer.from(
      '<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict><key>CFBundleExecutable</key><string>Hostile</string></dict></plist>',
    );
    const file = path.join(tmp, "hostile.ipa");
    fs.writeFileSync(
      file,
      buildZip([
        { name: "Payload/Hostile.app/Info.plist", data: info },
        { name: "Payload/Hostile.app/Hostile", data: macho },
      ]),
    );
    const report = await verifyCodeSignature(file, { extraAnchors: [] });
    assert.equal(report.valid, false);
    const malformed = report.problems.find((p) => p.code === "signature_malformed");
    assert.equal(malformed?.path, "Payload/Hostile.app/Hostile");
    assert.match(malformed?.message ?? "", /code limit \(4294967296 bytes\) runs past the signed image \(4096 bytes\)/);
  });

  test("hostile Mach-O headers", async () => {
    const fat = Buffer.alloc(64);
    fat.writeUInt32BE(0xcafebabe, 0);
    fat.writeUInt32BE(0x7fffffff, 4);
    await assert.rejects(readMachoSlices(bufferSource(fat)), (e: unknown) => {
      return e instanceof SignatureFormatError && e.reason === "too_many_entries";
    });
    const overlapping = Buffer.alloc(8192);
    overlapping.writeUInt32BE(0xcafebabe, 0);
    overlapping.writeUInt32BE(2, 4);
    for (const i of [0, 1]) {
      overlapping.writeUInt32BE(4096, 8 + i * 20 + 8);
      overlapping.writeUInt32BE(4096, 8 + i * 20 + 12);
    }
    await assert.rejects(readMachoSlices(bufferSource(overlapping)), (e: unknown) => {
      return e instanceof SignatureFormatError && e.reason === "overlapping_blobs";
    });
    const commands = Buffer.alloc(64);
    commands.writeUInt32LE(0xfeedfacf, 0);
    commands.writeUInt32LE(0xffffffff, 16);
    commands.writeUInt32LE(0xffffffff, 20);
    await assert.rejects(readMachoSlices(bufferSource(commands)), (e: unknown) => {
      return e instanceof SignatureFormatError && e.reason === "bad_macho";
    });
  });

  test("wrapBlob writes magic and length", () => {
    const blob = wrapBlob(CSMAGIC.EMBEDDED_ENTITLEMENTS, Buffer.from("<plist/>"));
    assert.equal(blob.readUInt32BE(0), CSMAGIC.EMBEDDED_ENTITLEMENTS);
    assert.equal(blob.readUInt32BE(4), blob.length);
  });
});
