import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { type SignedSlice, type SignMachoOptions, signMacho } from "@/lib/signing/sign-macho";
import { SigningError, type SigningFailureReason } from "@/lib/signing/signing-error";
import { type ByteSource, fileSource } from "@/lib/verify/byte-source";
import { hashCodePages } from "@/lib/verify/code-pages";
import { type MachoSlice, readMachoSlices, readSignatureBytes } from "@/lib/verify/macho";
import {
  type CodeDirectory,
  CSSLOT,
  digestFor,
  type EmbeddedSignature,
  HASH_TYPES,
  parseEmbeddedSignature,
  serializeCodeDirectory,
} from "@/lib/verify/signature-blobs";
import { SignatureFormatError } from "@/lib/verify/signature-format-error";
import { extractFixtureBinaries, type FixtureBinary } from "@/tests/helpers/fixture-binaries";
import { createTestSigningIdentity, type TestSigningIdentity } from "@/tests/helpers/test-code-signer";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-sign-macho-"));
let identity: TestSigningIdentity;
let binaries: FixtureBinary[] = [];
before(async () => {
  identity = createTestSigningIdentity();
  binaries = await extractFixtureBinaries(tmp);
});
after(() => {
  identity.remove();
  fs.rmSync(tmp, { recursive: true, force: true });
});

let outputs = 0;
const outPath = () => path.join(tmp, `out-${outputs++}`);

interface ReadSlice {
  slice: MachoSlice;
  signature: EmbeddedSignature;
  header: Buffer;
}

async function readSigned(file: string): Promise<{ source: ByteSource; slices: ReadSlice[] }> {
  const source = await fileSource(file);
  const slices: ReadSlice[] = [];
  for (const slice of await readMachoSlices(source)) {
    assert.ok(slice.codeSignature);
    const signature = parseEmbeddedSignature(
      await readSignatureBytes(source, slice, 1 << 26),
      slice.codeSignature.dataOffset,
    );
    slices.push({ slice, signature, header: await source.read(slice.offset, 4096) });
  }
  return { source, slices };
}

/** __LINKEDIT's fileoff, filesize and vmsize from a slice's load commands. */
function linkeditOf(header: Buffer): { fileoff: number; filesize: number; vmsize: number } {
  const is64 = header.readUInt32LE(0) === 0xfeedfacf;
  let at = is64 ? 32 : 28;
  for (let i = 0; i < header.readUInt32LE(16); i++) {
    const cmd = header.readUInt32LE(at);
    if ((cmd === 0x19 || cmd === 0x1) && header.toString("latin1", at + 8, at + 18) === "__LINKEDIT") {
      return is64
        ? {
            vmsize: Number(header.readBigUInt64LE(at + 32)),
            fileoff: Number(header.readBigUInt64LE(at + 40)),
            filesize: Number(header.readBigUInt64LE(at + 48)),
          }
        : {
            vmsize: header.readUInt32LE(at + 28),
            fileoff: header.readUInt32LE(at + 32),
            filesize: header.readUInt32LE(at + 36),
          };
    }
    at += header.readUInt32LE(at + 4);
  }
  throw new Error("no __LINKEDIT");
}

/** Checks one re-signed file the way lib/verify reads it; returns the directories' bytes per slice. */
async function checkSigned(
  file: string,
  expected: { identifier: string; teamId: string | null; infoPlist: Buffer | null; codeResources: Buffer | null },
  originals: CodeDirectory[],
): Promise<Buffer[][]> {
  const { source, slices } = await readSigned(file);
  try {
    const out: Buffer[][] = [];
    for (const [i, { slice, signature, header }] of slices.entries()) {
      const original = originals[i] as CodeDirectory;
      const directories = signature.codeDirectories.map((d) => d.cd);
      const pages = await hashCodePages(source, slice.offset, directories);
      const special: Record<number, Buffer | null> = {
        [CSSLOT.INFOSLOT]: expected.infoPlist,
        [CSSLOT.REQUIREMENTS]: signature.requirements,
        [CSSLOT.RESOURCEDIR]: expected.codeResources,
        [CSSLOT.ENTITLEMENTS]: signature.entitlements,
        [CSSLOT.DER_ENTITLEMENTS]: signature.derEntitlements,
      };
      for (const [j, cd] of directories.entries()) {
        // Every page hash and special slot as lib/verify computes them ...
        assert.deepEqual(cd.codeSlots, pages[j], `${file} ${slice.arch}: page hashes`);
        const slots = Array.from({ length: cd.specialSlots.length }, (_, s) => {
          const bytes = special[s + 1];
          return bytes ? digestFor(cd.hashType, bytes) : Buffer.alloc(HASH_TYPES[cd.hashType].size);
        });
        assert.deepEqual(cd.specialSlots, slots, `${file} ${slice.arch}: special slots`);
        // ... and the directory is exactly what serializeCodeDirectory writes for those inputs.
        const rebuilt = serializeCodeDirectory({
          version: original.version,
          flags: original.flags,
          hashType: cd.hashType,
          platform: original.platform,
          pageSizeLog2: original.pageSizeLog2,
          codeLimit: slice.codeSignature?.dataOffset ?? -1,
          identifier: expected.identifier,
          teamId: expected.teamId,
          specialSlots: slots,
          codeSlots: pages[j] ?? [],
          execSegBase: original.execSegBase,
          execSegLimit: original.execSegLimit,
          execSegFlags: original.execSegFlags,
          runtime: original.runtime,
        });
        assert.ok(rebuilt.equals(cd.raw), `${file} ${slice.arch}: the directory is serializeCodeDirectory's`);
      }
      // The signature ends __LINKEDIT and the image; __LINKEDIT maps whole pages.
      const sig = slice.codeSignature;
      assert.ok(sig);
      const linkedit = linkeditOf(header);
      assert.equal(linkedit.fileoff + linkedit.filesize, sig.dataOffset + sig.dataSize);
      assert.equal(sig.dataOffset + sig.dataSize, slice.size);
      assert.ok(linkedit.vmsize >= linkedit.filesize && linkedit.vmsize % 0x1000 === 0);
      out.push(directories.map((cd) => cd.raw));
    }
    return out;
  } finally {
    await source.close();
  }
}

async function originalDirectories(file: string): Promise<{ cds: CodeDirectory[]; sizes: number[] }> {
  const { source, slices } = await readSigned(file);
  await source.close();
  return {
    cds: slices.map((s) => s.signature.codeDirectories[0]?.cd as CodeDirectory),
    sizes: slices.map((s) => s.slice.codeSignature?.dataSize ?? 0),
  };
}

describe("signMacho over every fixture binary", () => {
  test("re-signed with the same identifier, team, entitlements and special slots: every slice checks out", async () => {
    let slices = 0;
    for (const binary of binaries) {
      const { cds } = await originalDirectories(binary.file);
      const primary = cds[0] as CodeDirectory;
      const options: SignMachoOptions = {
        identifier: primary.identifier,
        teamId: primary.teamId,
        infoPlist: binary.infoPlist,
        codeResources: binary.codeResources,
        signer: identity.signer,
      };
      const first = outPath();
      const signed = await signMacho(binary.file, first, options);
      const directories = await checkSigned(first, { ...options }, cds);
      slices += directories.length;
      assert.deepEqual(
        signed.map((s) => s.directories.map((d) => d.bytes)),
        directories,
        "signMacho reports the directories it wrote",
      );
      // Same inputs, same directories (the CMS differs only by its signing time).
      const second = outPath();
      await signMacho(binary.file, second, options);
      assert.deepEqual(await checkSigned(second, options, cds), directories, `${binary.entry}: deterministic`);
      fs.rmSync(first);
      fs.rmSync(second);
    }
    assert.ok(slices >= 30, `${slices} slices re-signed`);
  });

  test("fat files keep every slice at its alignment and the fat header pointing at it", async () => {
    const fat = binaries.find((b) => b.entry.endsWith("/calculator"));
    assert.ok(fat);
    const { cds } = await originalDirectories(fat.file);
    const out = outPath();
    const options = {
      identifier: "com.example.resigned",
      teamId: identity.teamId,
      infoPlist: fat.infoPlist,
      codeResources: fat.codeResources,
      signer: identity.signer,
    };
    const signed = await signMacho(fat.file, out, options);
    assert.equal(signed.length, 2);
    const head = fs.readFileSync(out).subarray(0, 48);
    assert.equal(head.readUInt32BE(0), 0xcafebabe);
    for (const [i, slice] of signed.entries()) {
      const at = 8 + i * 20;
      assert.equal(head.readUInt32BE(at + 8), slice.offset);
      assert.equal(head.readUInt32BE(at + 12), slice.size);
      assert.equal(slice.offset % 2 ** head.readUInt32BE(at + 16), 0);
    }
    assert.equal(fs.statSync(out).size, (signed[1] as SignedSlice).offset + (signed[1] as SignedSlice).size);
    await checkSigned(out, options, cds);
  });

  test("a signature that grows, then shrinks, keeps LC_CODE_SIGNATURE and __LINKEDIT valid", async () => {
    const binary = binaries.find((b) => b.entry.endsWith("/Demo"));
    assert.ok(binary);
    const { cds, sizes } = await originalDirectories(binary.file);
    const base = {
      identifier: "com.example.grow",
      teamId: identity.teamId,
      infoPlist: binary.infoPlist,
      codeResources: binary.codeResources,
      signer: identity.signer,
    };
    const big = Buffer.from(
      `<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict><key>keychain-access-groups</key><array>${Array.from(
        { length: 400 },
        (_, i) => `<string>TEAM.com.example.group-${i}</string>`,
      ).join("")}</array></dict></plist>`,
    );
    const grown = outPath();
    await signMacho(binary.file, grown, { ...base, entitlements: big });
    const afterGrow = await originalDirectories(grown);
    assert.ok((afterGrow.sizes[0] as number) > (sizes[0] as number) + 20_000, "the signature grew");
    await checkSigned(grown, base, cds);
    const shrunk = outPath();
    await signMacho(grown, shrunk, { ...base, entitlements: null });
    const afterShrink = await originalDirectories(shrunk);
    assert.ok((afterShrink.sizes[0] as number) < (afterGrow.sizes[0] as number) - 20_000, "the signature shrank");
    await checkSigned(shrunk, base, cds);
  });

  test("new hash types, requirement and entitlements are what the signature then holds", async () => {
    const binary = binaries.find((b) => b.entry.endsWith("/AppInfoDemo"));
    assert.ok(binary);
    const out = outPath();
    const entitlements = Buffer.from(
      '<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict><key>get-task-allow</key><true/></dict></plist>',
    );
    await signMacho(binary.file, out, {
      identifier: "com.example.new",
      teamId: identity.teamId,
      hashTypes: [2],
      entitlements,
      requirements: `identifier "com.example.new" and anchor apple generic and certificate leaf[subject.CN] = "${identity.commonName}" and certificate 1[field.1.2.840.113635.100.6.2.1] /* exists */`,
      infoPlist: binary.infoPlist,
      codeResources: binary.codeResources,
      signer: identity.signer,
    });
    const { source, slices } = await readSigned(out);
    await source.close();
    for (const { signature } of slices) {
      assert.deepEqual(
        signature.codeDirectories.map((d) => [d.slot, d.cd.hashType, d.cd.identifier, d.cd.specialSlots.length]),
        [[0, 2, "com.example.new", 7]],
      );
      assert.ok(signature.entitlements?.subarray(8).equals(entitlements));
      assert.equal(signature.derEntitlements?.[8], 0x70, "DER entitlements added in the current form");
      assert.ok(signature.requirements?.includes(Buffer.from(identity.commonName)));
      assert.ok(signature.cms && signature.cms.length > 0);
    }
  });
});

describe("signMacho refuses what it cannot sign", () => {
  const first = () => binaries.find((b) => b.entry.endsWith("/Demo")) as FixtureBinary;
  const options = () => ({
    identifier: "x",
    teamId: null,
    infoPlist: null,
    codeResources: null,
    signer: identity.signer,
  });
  const hostile = (change: (bytes: Buffer) => Buffer): string => {
    const file = outPath();
    fs.writeFileSync(file, change(Buffer.from(fs.readFileSync(first().file))));
    return file;
  };
  const signingReason = async (file: string, reason: SigningFailureReason) => {
    const out = outPath();
    await assert.rejects(signMacho(file, out, options()), (error: unknown) => {
      assert.ok(error instanceof SigningError, String(error));
      assert.equal(error.reason, reason);
      assert.equal(error.code, "unsignable_binary");
      return true;
    });
    assert.equal(fs.existsSync(out), false, "no output is written for a refused binary");
  };
  /** The offset of a load command in a thin 64-bit image. */
  const commandAt = (bytes: Buffer, wanted: (at: number) => boolean): number => {
    let at = 32;
    for (let i = 0; i < bytes.readUInt32LE(16); i++) {
      if (wanted(at)) return at;
      at += bytes.readUInt32LE(at + 4);
    }
    throw new Error("no such command");
  };

  test("a truncated binary: malformed_code_signature from the Mach-O readers", async () => {
    const file = hostile((b) => b.subarray(0, b.length - 5000));
    await assert.rejects(signMacho(file, outPath(), options()), (error: unknown) => {
      assert.ok(error instanceof SignatureFormatError);
      assert.equal(error.reason, "blob_out_of_bounds");
      return true;
    });
    const tiny = hostile((b) => b.subarray(0, 20));
    await assert.rejects(signMacho(tiny, outPath(), options()), SignatureFormatError);
  });

  /** The original signature's superblob offset (LC_CODE_SIGNATURE's dataoff) and its primary CodeDirectory. */
  const signatureOf = (b: Buffer): { superBlob: number; codeDirectory: number } => {
    const command = commandAt(b, (at) => b.readUInt32LE(at) === 0x1d);
    const superBlob = b.readUInt32LE(command + 8);
    const codeDirectory = b.indexOf(Buffer.from([0xfa, 0xde, 0x0c, 0x02]), superBlob);
    return { superBlob, codeDirectory };
  };
  const formatReason = async (file: string, reason: string) => {
    const out = outPath();
    const before = process.memoryUsage().arrayBuffers;
    await assert.rejects(signMacho(file, out, options()), (error: unknown) => {
      assert.ok(error instanceof SignatureFormatError, String(error));
      assert.equal(error.reason, reason);
      assert.equal(error.code, "malformed_code_signature");
      return true;
    });
    // Nothing was allocated for what the hostile fields claim.
    assert.ok(process.memoryUsage().arrayBuffers - before < 16 * 1024 * 1024);
    assert.equal(fs.existsSync(out), false, "no output is written for a refused binary");
  };

  test("hostile original signatures: looping and overlapping blob offsets, absurd page counts, a 4 GB code limit", async () => {
    // The first index entry pointing at the superblob itself (a loop) or into the index.
    await formatReason(
      hostile((b) => {
        b.writeUInt32BE(0, signatureOf(b).superBlob + 16);
        return b;
      }),
      "blob_out_of_bounds",
    );
    // Two slots sharing one blob's bytes.
    await formatReason(
      hostile((b) => {
        const { superBlob } = signatureOf(b);
        b.writeUInt32BE(b.readUInt32BE(superBlob + 16), superBlob + 24);
        return b;
      }),
      "overlapping_blobs",
    );
    // A superblob claiming more bytes than the image holds.
    await formatReason(
      hostile((b) => {
        b.writeUInt32BE(0x7ffffff0, signatureOf(b).superBlob + 4);
        return b;
      }),
      "truncated",
    );
    await formatReason(
      hostile((b) => {
        b.writeUInt32BE(0xffffffff, signatureOf(b).codeDirectory + 28);
        return b;
      }),
      "absurd_page_count",
    );
    await formatReason(
      hostile((b) => {
        const { codeDirectory } = signatureOf(b);
        assert.ok(b.readUInt32BE(codeDirectory + 8) >= 0x20300, "the fixture's directory has codeLimit64");
        b.writeUInt32BE(0, codeDirectory + 28);
        b.writeUInt32BE(0, codeDirectory + 32);
        b.writeBigUInt64BE(4n * 1024n ** 3n, codeDirectory + 56);
        return b;
      }),
      "code_limit_out_of_bounds",
    );
  });

  test("no LC_CODE_SIGNATURE: no_code_signature", async () => {
    const file = hostile((b) => {
      b.writeUInt32LE(
        0x7ffffff0,
        commandAt(b, (at) => b.readUInt32LE(at) === 0x1d),
      );
      return b;
    });
    await signingReason(file, "no_code_signature");
  });

  test("a signature that is not at the end of __LINKEDIT: signature_not_at_end", async () => {
    const file = hostile((b) => {
      const at = commandAt(
        b,
        (c) => b.readUInt32LE(c) === 0x19 && b.toString("latin1", c + 8, c + 18) === "__LINKEDIT",
      );
      b.writeBigUInt64LE(b.readBigUInt64LE(at + 48) + 16n, at + 48);
      return b;
    });
    await signingReason(file, "signature_not_at_end");
    const trailing = hostile((b) => Buffer.concat([b, Buffer.alloc(16)]));
    await signingReason(trailing, "signature_not_at_end");
  });

  test("an uncompilable requirement, unencodable entitlements, a CMS larger than its room", async () => {
    const out = outPath();
    await assert.rejects(
      signMacho(first().file, out, { ...options(), requirements: 'identifier "x" or anchor apple' }),
      (error: unknown) => error instanceof SigningError && error.reason === "bad_requirement",
    );
    await assert.rejects(
      signMacho(first().file, outPath(), { ...options(), entitlements: Buffer.from("not a property list") }),
      (error: unknown) => error instanceof SigningError && error.reason === "bad_entitlements",
    );
    await assert.rejects(
      signMacho(first().file, outPath(), { ...options(), signer: async () => Buffer.alloc(64 * 1024) }),
      (error: unknown) => error instanceof SigningError && error.reason === "cms_too_large",
    );
  });
});
