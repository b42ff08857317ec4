import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdtemp, open, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import zlib from "node:zlib";
import JSZip from "jszip";
import { parse } from "plist";
import yauzl from "yauzl";
import { crc32, type GenerateIpaOptions, generateIpa, tableCrc32 } from "@/tests/helpers/generate-ipa";

const BASE: GenerateIpaOptions = {
  bundleId: "com.example.ferry-test",
  version: "1.2.3",
  buildNumber: "45",
  name: "FerryTest",
  padBytes: 0,
};

let dir = "";
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "ferry-generate-ipa-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface ReadEntry {
  fileName: string;
  uncompressedSize: number;
  compressedSize: number;
  compressionMethod: number;
  crc32: number;
  data: Buffer | null;
}

/** Open with yauzl (the reader the app uses) and read every small entry; big ones are hashed. */
async function readWithYauzl(path: string): Promise<{ entries: ReadEntry[]; bigCrc: Map<string, number> }> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: false }, (error, file) => {
      if (error !== null || file === undefined) reject(error ?? new Error("no zip file"));
      else resolve(file);
    });
  });
  const entries: ReadEntry[] = [];
  const bigCrc = new Map<string, number>();
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on("error", reject);
      zip.on("end", () => resolve());
      zip.on("entry", (entry: yauzl.Entry) => {
        const record: ReadEntry = {
          fileName: entry.fileName,
          uncompressedSize: entry.uncompressedSize,
          compressedSize: entry.compressedSize,
          compressionMethod: entry.compressionMethod,
          crc32: entry.crc32,
          data: null,
        };
        entries.push(record);
        if (entry.fileName.endsWith("/")) {
          zip.readEntry();
          return;
        }
        zip.openReadStream(entry, (error, stream) => {
          if (error !== null || stream === undefined) {
            reject(error ?? new Error("no stream"));
            return;
          }
          const small: Buffer[] = [];
          let crc = 0;
          stream.on("data", (chunk: Buffer) => {
            crc = crc32(chunk, crc);
            if (entry.uncompressedSize <= 1024 * 1024) small.push(chunk);
          });
          stream.on("error", reject);
          stream.on("end", () => {
            if (entry.uncompressedSize <= 1024 * 1024) record.data = Buffer.concat(small);
            else bigCrc.set(entry.fileName, crc);
            assert.equal(crc, entry.crc32, `CRC of ${entry.fileName}`);
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
  return { entries, bigCrc };
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

function entry(entries: ReadEntry[], name: string): ReadEntry {
  const found = entries.find((candidate) => candidate.fileName === name);
  assert.ok(found, `missing entry ${name}`);
  return found;
}

function assertInfoPlist(data: Buffer | null, expected: Record<string, unknown>): void {
  assert.ok(data);
  // plist.parse treats any Uint8Array as binary; XML must be passed as a string.
  const isBinary = data.subarray(0, 6).toString("latin1") === "bplist";
  const info = parse(isBinary ? data : data.toString("utf8"));
  assert.ok(info !== null && typeof info === "object" && !Array.isArray(info) && !(info instanceof Date));
  for (const [key, value] of Object.entries(expected)) {
    assert.deepEqual((info as Record<string, unknown>)[key], value, key);
  }
}

const EXPECTED_INFO = {
  CFBundleIdentifier: "com.example.ferry-test",
  CFBundleShortVersionString: "1.2.3",
  CFBundleVersion: "45",
  CFBundleName: "FerryTest",
  CFBundleDisplayName: "FerryTest",
  CFBundleExecutable: "FerryTest",
  MinimumOSVersion: "15.0",
  UIDeviceFamily: [1, 2],
  CFBundleSupportedPlatforms: ["iPhoneOS"],
};

describe("generateIpa", () => {
  it("writes a ~20 MB ipa that yauzl reads, with the SHA-256 and size of the file", async () => {
    const path = join(dir, "twenty.ipa");
    const padBytes = 20 * 1024 * 1024 + 12345;
    const result = await generateIpa(path, { ...BASE, padBytes });

    assert.equal(result.size, (await stat(path)).size);
    assert.equal(result.sha256, await sha256File(path));
    assert.ok(result.size > padBytes);

    const { entries, bigCrc } = await readWithYauzl(path);
    assert.deepEqual(
      entries.map((e) => e.fileName),
      [
        "Payload/",
        "Payload/FerryTest.app/",
        "Payload/FerryTest.app/Info.plist",
        "Payload/FerryTest.app/FerryTest",
        "Payload/FerryTest.app/padding.bin",
      ],
    );
    for (const e of entries) {
      assert.equal(e.compressionMethod, 0, `${e.fileName} is stored`);
      assert.equal(e.compressedSize, e.uncompressedSize);
    }
    const info = entry(entries, "Payload/FerryTest.app/Info.plist");
    assert.ok(info.data?.toString("utf8").startsWith("<?xml"));
    assertInfoPlist(info.data, EXPECTED_INFO);

    const padding = entry(entries, "Payload/FerryTest.app/padding.bin");
    assert.equal(padding.uncompressedSize, padBytes);
    assert.equal(bigCrc.get("Payload/FerryTest.app/padding.bin"), padding.crc32);
    const executable = entry(entries, "Payload/FerryTest.app/FerryTest");
    assert.equal(executable.data?.readUInt32LE(0), 0xfeedfacf);
  });

  it("fills padding with incompressible bytes", async () => {
    const path = join(dir, "incompressible.ipa");
    await generateIpa(path, { ...BASE, padBytes: 2 * 1024 * 1024 });
    const file = await readFile(path);
    const sample = file.subarray(file.length - 1024 * 1024 - 200_000, file.length - 200_000);
    const compressed = zlib.deflateRawSync(sample, { level: 9 });
    assert.ok(compressed.length > sample.length * 0.99, `compressed to ${compressed.length} of ${sample.length}`);
  });

  it("is deterministic for the same options and seed, and varies with the seed", async () => {
    const a = await generateIpa(join(dir, "a.ipa"), { ...BASE, padBytes: 3_000_000 });
    const b = await generateIpa(join(dir, "b.ipa"), { ...BASE, padBytes: 3_000_000 });
    const c = await generateIpa(join(dir, "c.ipa"), { ...BASE, padBytes: 3_000_000, seed: "other" });
    assert.equal(a.sha256, b.sha256);
    assert.notEqual(a.sha256, c.sha256);
    assert.equal(a.size, c.size);
  });

  it("can write a binary Info.plist, merge extra keys and add files", async () => {
    const path = join(dir, "binary.ipa");
    await generateIpa(path, {
      ...BASE,
      name: "Café App",
      padBytes: 1000,
      infoPlist: "binary",
      infoPlistExtra: { CFBundleDisplayName: "Café ☕", MinimumOSVersion: undefined, CFBundleIcons: { a: "b" } },
      extraFiles: [{ path: "Payload/Café App.app/AppIcon60x60@2x.png", data: "png" }],
      directoryEntries: false,
    });
    const { entries } = await readWithYauzl(path);
    assert.deepEqual(
      entries.map((e) => e.fileName),
      [
        "Payload/Café App.app/Info.plist",
        "Payload/Café App.app/Café App",
        "Payload/Café App.app/AppIcon60x60@2x.png",
        "Payload/Café App.app/padding.bin",
      ],
    );
    const info = entry(entries, "Payload/Café App.app/Info.plist");
    assert.equal(info.data?.subarray(0, 8).toString("latin1"), "bplist00");
    assertInfoPlist(info.data, {
      CFBundleName: "Café App",
      CFBundleDisplayName: "Café ☕",
      CFBundleExecutable: "Café App",
      MinimumOSVersion: undefined,
      CFBundleIcons: { a: "b" },
    });
    assert.equal(entry(entries, "Payload/Café App.app/AppIcon60x60@2x.png").data?.toString(), "png");
  });

  it("can leave Info.plist out or put it last", async () => {
    const none = join(dir, "none.ipa");
    await generateIpa(none, { ...BASE, infoPlist: "none" });
    assert.ok(!(await readWithYauzl(none)).entries.some((e) => e.fileName.endsWith("Info.plist")));

    const last = join(dir, "last.ipa");
    await generateIpa(last, { ...BASE, padBytes: 10, infoPlistPosition: "last" });
    const names = (await readWithYauzl(last)).entries.map((e) => e.fileName);
    assert.equal(names.at(-1), "Payload/FerryTest.app/Info.plist");
  });

  for (const variant of [
    { label: "forced ZIP64 records", options: { forceZip64: true } },
    { label: "data descriptors", options: { dataDescriptors: true } },
    { label: "forced ZIP64 with data descriptors", options: { forceZip64: true, dataDescriptors: true } },
  ]) {
    it(`writes valid archives with ${variant.label} (yauzl and JSZip agree)`, async () => {
      const path = join(dir, `${variant.label.replaceAll(" ", "-")}.ipa`);
      const padBytes = 1_500_000;
      const result = await generateIpa(path, { ...BASE, padBytes, ...variant.options });
      assert.equal(result.sha256, await sha256File(path));

      const { entries, bigCrc } = await readWithYauzl(path);
      assertInfoPlist(entry(entries, "Payload/FerryTest.app/Info.plist").data, EXPECTED_INFO);
      const padding = entry(entries, "Payload/FerryTest.app/padding.bin");
      assert.equal(padding.uncompressedSize, padBytes);
      assert.equal(bigCrc.get(padding.fileName), padding.crc32);

      const zip = await JSZip.loadAsync(await readFile(path), { checkCRC32: true });
      const plistFile = zip.file("Payload/FerryTest.app/Info.plist");
      assert.ok(plistFile);
      assertInfoPlist(Buffer.from(await plistFile.async("uint8array")), EXPECTED_INFO);
      const paddingFile = zip.file("Payload/FerryTest.app/padding.bin");
      assert.ok(paddingFile);
      assert.equal((await paddingFile.async("uint8array")).length, padBytes);
    });
  }

  it("writes ZIP64 end records with sentinel values when forced", async () => {
    const path = join(dir, "zip64-layout.ipa");
    const { size } = await generateIpa(path, { ...BASE, padBytes: 100, forceZip64: true });
    const handle = await open(path, "r");
    try {
      const tail = Buffer.alloc(22 + 20 + 56);
      await handle.read(tail, 0, tail.length, size - tail.length);
      const zip64Eocd = tail.subarray(0, 56);
      const locator = tail.subarray(56, 76);
      const eocd = tail.subarray(76);
      assert.equal(zip64Eocd.readUInt32LE(0), 0x06064b50);
      assert.equal(locator.readUInt32LE(0), 0x07064b50);
      assert.equal(Number(locator.readBigUInt64LE(8)), size - tail.length);
      assert.equal(eocd.readUInt32LE(0), 0x06054b50);
      assert.equal(eocd.readUInt16LE(10), 0xffff);
      assert.equal(eocd.readUInt32LE(12), 0xffffffff);
      assert.equal(eocd.readUInt32LE(16), 0xffffffff);
      assert.equal(Number(zip64Eocd.readBigUInt64LE(32)), 5);

      // Local header of the first entry carries 0xFFFFFFFF sizes plus a ZIP64 extra field.
      const local = Buffer.alloc(30);
      await handle.read(local, 0, 30, 0);
      assert.equal(local.readUInt32LE(0), 0x04034b50);
      assert.equal(local.readUInt16LE(4), 45);
      assert.equal(local.readUInt32LE(22), 0xffffffff);
      assert.equal(local.readUInt16LE(28), 20);
    } finally {
      await handle.close();
    }
  });

  it("does not write ZIP64 records for ordinary archives", async () => {
    const path = join(dir, "plain.ipa");
    await generateIpa(path, { ...BASE, padBytes: 100 });
    const file = await readFile(path);
    const signature = Buffer.alloc(4);
    signature.writeUInt32LE(0x06064b50);
    assert.equal(file.indexOf(signature), -1);
  });

  it("streams with bounded memory", async () => {
    const path = join(dir, "memory.ipa");
    // Each 1 MiB chunk is garbage once written, and V8 frees it when it collects: up to ~130 MiB were
    // seen waiting (Node 24). A bound well above that and well below the archive's size tells
    // streaming from buffering whatever the collector's timing.
    const padBytes = 512 * 1024 * 1024;
    global.gc?.();
    const baseline = process.memoryUsage.rss();
    let peak = baseline;
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage.rss());
    }, 5);
    try {
      const result = await generateIpa(path, { ...BASE, padBytes });
      assert.ok(result.size > padBytes);
    } finally {
      clearInterval(timer);
    }
    peak = Math.max(peak, process.memoryUsage.rss());
    const growth = peak - baseline;
    assert.ok(growth < 224 * 1024 * 1024, `RSS grew by ${Math.round(growth / 1024 / 1024)} MiB`);
    await rm(path);
  });

  it("removes the partial file and rejects when the target cannot be written", async () => {
    await assert.rejects(generateIpa(join(dir, "missing-dir", "x.ipa"), BASE), { code: "ENOENT" });
  });

  it("validates its options", async () => {
    await assert.rejects(generateIpa(join(dir, "v.ipa"), { ...BASE, padBytes: -1 }), RangeError);
    await assert.rejects(generateIpa(join(dir, "v.ipa"), { ...BASE, name: "a/b" }), RangeError);
    await assert.rejects(generateIpa(join(dir, "v.ipa"), { ...BASE, bundleId: "" }), RangeError);
  });

  it("computes the same CRC-32 with the table fallback as with zlib", () => {
    const data = randomBytes(100_000);
    assert.equal(tableCrc32(Buffer.from("123456789")), 0xcbf43926);
    assert.equal(tableCrc32(data), crc32(data));
    const split = tableCrc32(data.subarray(40_000), tableCrc32(data.subarray(0, 40_000)));
    assert.equal(split, crc32(data));
    assert.equal(tableCrc32(new Uint8Array(0)), 0);
  });
});
