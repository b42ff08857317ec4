import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { buildZip, type TestZipEntry } from "@/lib/analysis/ipa/test-helpers";
import { openZip, withZip } from "@/lib/analysis/ipa/zip-reader";
import { AppError, type ErrorCode } from "@/lib/errors";
import { fixturePath } from "@/tests/helpers/fixtures";

let tmp = "";

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "ferry-zip-reader-"));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

let counter = 0;
async function writeTemp(data: Buffer): Promise<string> {
  counter += 1;
  const file = path.join(tmp, `archive-${counter}.zip`);
  await writeFile(file, data);
  return file;
}

async function openFdCount(): Promise<number> {
  return (await readdir("/proc/self/fd")).length;
}

async function assertAppError(promise: Promise<unknown>, code: ErrorCode): Promise<AppError> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof AppError, `expected AppError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  return caught;
}

const hello: TestZipEntry = { name: "dir/hello.txt", data: Buffer.from("hello world") };

describe("openZip", () => {
  it("lists the central directory and reads an entry of a real .ipa", async () => {
    await withZip(fixturePath("ipa/app_info--iphone.ipa"), async (zip) => {
      assert.equal(zip.entries.length, 18);
      const info = zip.getEntry("Payload/AppInfoDemo.app/Info.plist");
      assert.ok(info && !info.isDirectory);
      const buf = await zip.readEntry("Payload/AppInfoDemo.app/Info.plist", 1024 * 1024);
      assert.equal(buf.length, info.uncompressedSize);
      assert.equal(buf.subarray(0, 8).toString("latin1"), "bplist00");
    });
  });

  it("reads zip64 archives", async () => {
    const file = await writeTemp(
      buildZip([{ name: "a/" }, hello, { ...hello, name: "b.txt", method: 0 }], { zip64: true }),
    );
    await withZip(file, async (zip) => {
      assert.deepEqual(
        zip.entries.map((e) => [e.name, e.isDirectory, e.uncompressedSize]),
        [
          ["a/", true, 0],
          ["dir/hello.txt", false, 11],
          ["b.txt", false, 11],
        ],
      );
      assert.equal((await zip.readEntry("dir/hello.txt", 100)).toString(), "hello world");
      assert.equal((await zip.readEntry("b.txt", 100)).toString(), "hello world");
    });
  });

  it("flags symbolic links", async () => {
    const file = await writeTemp(buildZip([{ name: "link", data: Buffer.from("target"), mode: 0o120777 }, hello]));
    await withZip(file, async (zip) => {
      assert.equal(zip.getEntry("link")?.isSymlink, true);
      assert.equal(zip.getEntry("dir/hello.txt")?.isSymlink, false);
    });
  });

  it("rejects a file that is not a zip, and an empty file, with not_a_zip", async () => {
    await assertAppError(openZip(fixturePath("invalid/fastlane--not-an-ipa.ipa")), "not_a_zip");
    await assertAppError(openZip(await writeTemp(Buffer.alloc(0))), "not_a_zip");
  });

  it("rejects a zip whose end was cut off with truncated_archive", async () => {
    const full = await readFile(fixturePath("ipa/app_info--iphone.ipa"));
    for (const cut of [1, 22, 500, Math.floor(full.length / 2)]) {
      await assertAppError(openZip(await writeTemp(full.subarray(0, full.length - cut))), "truncated_archive");
    }
  });

  it("rejects a central directory that points past the end of the file with truncated_archive", async () => {
    const buf = buildZip([hello]);
    buf.writeUInt32LE(buf.length + 10_000, buf.length - 6); // EOCD field 16: central directory offset
    await assertAppError(openZip(await writeTemp(buf)), "truncated_archive");
  });

  it("rejects a damaged central directory with corrupt_archive", async () => {
    const buf = buildZip([hello]);
    const cd = buf.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    buf[cd + 2] = 0x09;
    await assertAppError(openZip(await writeTemp(buf)), "corrupt_archive");
  });

  it("rejects an entry count that cannot fit in the file with corrupt_archive", async () => {
    const buf = buildZip([hello]);
    buf.writeUInt16LE(60_000, buf.length - 12); // EOCD total entries
    buf.writeUInt16LE(60_000, buf.length - 14);
    await assertAppError(openZip(await writeTemp(buf)), "corrupt_archive");
  });

  it("keeps a readable record only for the entries the caller asked for", async () => {
    const file = await writeTemp(buildZip([hello, { ...hello, name: "Info.plist" }]));
    await withZip(
      file,
      async (zip) => {
        assert.deepEqual(
          zip.entries.map((e) => e.name),
          ["dir/hello.txt", "Info.plist"],
        );
        assert.equal(zip.canRead("Info.plist"), true);
        assert.equal(zip.canRead("dir/hello.txt"), false);
        assert.equal((await zip.readEntry("Info.plist", 100)).toString(), "hello world");
        await assert.rejects(zip.readEntry("dir/hello.txt", 100), /not opened as readable/);
      },
      { readable: (name) => name.endsWith(".plist") },
    );
  });

  it("caps the number of entries with archive_too_complex", async () => {
    const file = await writeTemp(buildZip([hello, { ...hello, name: "2" }, { ...hello, name: "3" }]));
    await assertAppError(openZip(file, { maxEntries: 2 }), "archive_too_complex");
  });

  for (const name of ["Payload/../../evil", "../evil", "/etc/passwd", "C:/Windows/evil", "Payload\\..\\..\\evil"]) {
    it(`rejects the unsafe entry name ${JSON.stringify(name)} with unsafe_archive`, async () => {
      const err = await assertAppError(
        openZip(await writeTemp(buildZip([hello, { name, data: Buffer.from("x") }]))),
        "unsafe_archive",
      );
      assert.match(err.message, /\.\.|absolute/);
    });
  }

  it("rejects a file entry present twice with unsafe_archive", async () => {
    await assertAppError(openZip(await writeTemp(buildZip([hello, hello]))), "unsafe_archive");
  });
});

describe("ZipReader.readEntry", () => {
  it("refuses an entry whose declared size exceeds the cap (archive_too_complex)", async () => {
    const bomb: TestZipEntry = { name: "zeros", data: Buffer.alloc(20 * 1024 * 1024) };
    const file = await writeTemp(buildZip([bomb]));
    await withZip(file, async (zip) => {
      assert.ok((zip.getEntry("zeros")?.compressedSize ?? 0) < 100_000);
      const err = await assertAppError(zip.readEntry("zeros", 8 * 1024 * 1024), "archive_too_complex");
      assert.match(err.message, /20 MiB/);
    });
  });

  it("stops inflating an entry that lies about its size (unsafe_archive), quickly", async () => {
    const liar: TestZipEntry = { name: "zeros", data: Buffer.alloc(50 * 1024 * 1024), declaredSize: 1000 };
    const file = await writeTemp(buildZip([liar]));
    const started = Date.now();
    await withZip(file, (zip) => assertAppError(zip.readEntry("zeros", 8 * 1024 * 1024), "unsafe_archive"));
    assert.ok(Date.now() - started < 1000, "must abort at the first excess chunk");
  });

  it("reports damaged compressed data as corrupt_archive", async () => {
    // 0xff: final block with the reserved block type 3, which every inflater rejects.
    const file = await writeTemp(buildZip([{ ...hello, rawCompressed: Buffer.alloc(16, 0xff) }]));
    await withZip(file, (zip) => assertAppError(zip.readEntry("dir/hello.txt", 100), "corrupt_archive"));
  });

  it("reports compressed data that ends early as corrupt_archive", async () => {
    const file = await writeTemp(buildZip([{ ...hello, declaredSize: 500 }]));
    await withZip(file, (zip) => assertAppError(zip.readEntry("dir/hello.txt", 1000), "corrupt_archive"));
  });
});

describe("file handles", () => {
  it("closes the file on success and on every kind of failure", async () => {
    const good = await writeTemp(buildZip([hello]));
    const bomb = await writeTemp(buildZip([{ name: "zeros", data: Buffer.alloc(5 * 1024 * 1024), declaredSize: 10 }]));
    const full = await readFile(fixturePath("ipa/app_info--iphone.ipa"));
    const truncated = await writeTemp(full.subarray(0, full.length - 100));
    const unsafe = await writeTemp(buildZip([{ name: "../x", data: Buffer.from("x") }]));
    const before = await openFdCount();
    for (let i = 0; i < 5; i++) {
      await withZip(good, async (zip) => {
        await zip.readEntry("dir/hello.txt", 100);
      });
      await withZip(bomb, (zip) => zip.readEntry("zeros", 1024 * 1024)).catch(() => undefined);
      await openZip(truncated).catch(() => undefined);
      await openZip(unsafe).catch(() => undefined);
      await openZip(fixturePath("invalid/fastlane--not-an-ipa.ipa")).catch(() => undefined);
    }
    assert.equal(await openFdCount(), before);
  });
});
