import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { buildZip } from "@/lib/analysis/ipa/test-helpers";
import { withZip } from "@/lib/analysis/ipa/zip-reader";
import { SigningError } from "@/lib/signing/signing-error";
import { rewriteZip } from "@/lib/signing/zip-rewrite";

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
