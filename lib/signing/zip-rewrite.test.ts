import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { buildZip } from "@/lib/analysis/ipa/test-helpers";
import { withZip } from "@/lib/analysis/ipa/zip-reader";
import { SigningError } from "@/lib/signing/signing-error";
import { rewriteZip } from "@/lib/signing/zip-rewrite";
import { generateIpa } from "@/tests/helpers/generate-ipa";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-zip-rewrite-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const file = (name: string) => path.join(tmp, `${n++}-${name}`);

describe("rewriteZip", () => {
  test("replaces and adds entries; every other entry keeps its bytes, mode and order", async () => {
    const input = file("in.zip");
    fs.writeFileSync(
      input,
      buildZip([
        { name: "Payload/A.app/", mode: 0o40755 },
        { name: "Payload/A.app/A", data: Buffer.from("old binary"), mode: 0o100755 },
        { name: "Payload/A.app/stored.txt", data: Buffer.from("kept as stored"), method: 0 },
        { name: "Payload/A.app/Link", data: Buffer.from("A"), mode: 0o120777, method: 0 },
      ]),
    );
    const newBinary = file("A");
    fs.writeFileSync(newBinary, Buffer.alloc(100_000, 7));
    const profile = file("profile");
    fs.writeFileSync(profile, "profile");
    const output = file("out.zip");
    await rewriteZip(
      input,
      output,
      new Map([
        ["Payload/A.app/A", newBinary],
        ["Payload/A.app/embedded.mobileprovision", profile],
      ]),
      file,
    );
    await withZip(output, async (zip) => {
      assert.deepEqual(
        zip.entries.map((e) => e.name),
        [
          "Payload/A.app/",
          "Payload/A.app/A",
          "Payload/A.app/stored.txt",
          "Payload/A.app/Link",
          "Payload/A.app/embedded.mobileprovision",
        ],
      );
      assert.ok((await zip.readEntry("Payload/A.app/A", 1 << 20)).equals(Buffer.alloc(100_000, 7)));
      assert.equal((await zip.readEntry("Payload/A.app/stored.txt", 100)).toString(), "kept as stored");
      assert.equal(zip.getEntry("Payload/A.app/stored.txt")?.compressedSize, "kept as stored".length);
      assert.equal(zip.getEntry("Payload/A.app/Link")?.isSymlink, true);
      assert.equal((await zip.readEntry("Payload/A.app/embedded.mobileprovision", 100)).toString(), "profile");
    });
    // The replaced binary keeps its executable mode (external attributes of its original record).
    const bytes = fs.readFileSync(output);
    const cd = bytes.indexOf(Buffer.from("504b0102", "hex"));
    const record = bytes.subarray(bytes.indexOf(Buffer.from("Payload/A.app/A"), cd) - 46);
    assert.equal(record.readUInt32LE(38) >>> 16, 0o100755);
  });

  test("a file that is not a zip is refused with a reason", async () => {
    const input = file("not.zip");
    fs.writeFileSync(input, "not a zip at all, just text that is long enough to search");
    await assert.rejects(
      rewriteZip(input, file("out.zip"), new Map(), file),
      (error: unknown) => error instanceof SigningError && error.reason === "unsupported_archive",
    );
  });
});

describe("rewriteZip and zip64", () => {
  const BASE = { bundleId: "com.example.zip64", version: "1", buildNumber: "1", name: "Z", padBytes: 3000 };

  /** Every entry's name and contents, in central directory order. */
  async function contents(archive: string): Promise<Array<[string, string]>> {
    return withZip(archive, async (zip) => {
      const out: Array<[string, string]> = [];
      for (const entry of zip.entries) {
        const bytes = entry.isDirectory ? Buffer.alloc(0) : await zip.readEntry(entry.name, 1 << 20);
        out.push([entry.name, createHash("sha256").update(bytes).digest("hex")]);
      }
      return out;
    });
  }

  /** The end of central directory record's count and whether a zip64 locator precedes it. */
  function endOf(archive: string): { count: number; cdOffset: number; zip64: boolean } {
    const bytes = fs.readFileSync(archive);
    const eocd = bytes.lastIndexOf(Buffer.from("504b0506", "hex"));
    return {
      count: bytes.readUInt16LE(eocd + 10),
      cdOffset: bytes.readUInt32LE(eocd + 16),
      zip64: bytes.readUInt32LE(eocd - 20) === 0x07064b50,
    };
  }

  for (const dataDescriptors of [false, true]) {
    test(`reads zip64 input (zip64 extra fields and end records${dataDescriptors ? ", data descriptors" : ""})`, async () => {
      const input = file("zip64-in.ipa");
      await generateIpa(input, { ...BASE, forceZip64: true, dataDescriptors });
      assert.equal(endOf(input).zip64, true);
      const replacement = file("new-info");
      fs.writeFileSync(replacement, "new Info.plist bytes");
      const output = file("zip64-out.ipa");
      await rewriteZip(input, output, new Map([["Payload/Z.app/Info.plist", replacement]]), file);
      const expected = (await contents(input)).map(([name, hash]) =>
        name === "Payload/Z.app/Info.plist"
          ? ([name, createHash("sha256").update("new Info.plist bytes").digest("hex")] as [string, string])
          : ([name, hash] as [string, string]),
      );
      assert.deepEqual(await contents(output), expected);
      // Nothing needs zip64 in the output: plain records again.
      assert.equal(endOf(output).zip64, false);
    });
  }

  test("writes zip64 records when asked, and reads them back (twice round)", async () => {
    const input = file("plain.ipa");
    await generateIpa(input, BASE);
    const output = file("forced.ipa");
    await rewriteZip(input, output, new Map(), file, { forceZip64: true });
    const end = endOf(output);
    assert.equal(end.zip64, true);
    assert.equal(end.count, 0xffff);
    assert.equal(end.cdOffset, 0xffffffff);
    // Every central record points at its zip64 extra field.
    const bytes = fs.readFileSync(output);
    const record = bytes.indexOf(Buffer.from("504b0102", "hex"));
    assert.equal(bytes.readUInt32LE(record + 42), 0xffffffff);
    assert.equal(bytes.readUInt16LE(record + 46 + bytes.readUInt16LE(record + 28)), 0x0001);
    assert.deepEqual(await contents(output), await contents(input));
    const again = file("again.ipa");
    await rewriteZip(output, again, new Map(), file);
    assert.deepEqual(await contents(again), await contents(input));
    assert.equal(endOf(again).zip64, false);
  });

  test("more than 65 535 entries: zip64 end records in and out", async () => {
    const input = file("many.ipa");
    const extraFiles = Array.from({ length: 70_000 }, (_, i) => ({ path: `Payload/Z.app/r/${i}.txt`, data: `${i}` }));
    await generateIpa(input, { ...BASE, extraFiles });
    assert.equal(endOf(input).zip64, true);
    const replacement = file("replacement");
    fs.writeFileSync(replacement, "replaced");
    const output = file("many-out.ipa");
    await rewriteZip(input, output, new Map([["Payload/Z.app/r/69999.txt", replacement]]), file);
    const end = endOf(output);
    assert.equal(end.zip64, true);
    assert.equal(end.count, 0xffff);
    // Reading all 70 000 entries back takes a minute: the names, and a few entries' contents.
    await withZip(
      output,
      async (zip) => {
        assert.deepEqual(
          zip.entries.map((e) => e.name),
          await withZip(input, async (before) => before.entries.map((e) => e.name), { maxEntries: 100_000 }),
        );
        assert.equal((await zip.readEntry("Payload/Z.app/r/69999.txt", 100)).toString(), "replaced");
        for (const i of [0, 12_345, 65_535, 69_998])
          assert.equal((await zip.readEntry(`Payload/Z.app/r/${i}.txt`, 100)).toString(), `${i}`);
        assert.equal(zip.getEntry("Payload/Z.app/padding.bin")?.uncompressedSize, BASE.padBytes);
      },
      { maxEntries: 100_000 },
    );
  });
});
