/**
 * Every signed Mach-O file of the real fixture .ipa files, extracted to a temp
 * dir (never into the repository), with the special-slot inputs of its bundle.
 */

/**
 * Every signed Mach-O file of the real fixture .ipa files, extracted to a temp
 * dir (never into the repository), with the special-slot inputs of its bundle.
 */
import fs, { createWriteStream } from "node:fs";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { isPlistDict, plistString } from "@/lib/analysis/ipa/plist-dict";
import { parsePlist } from "@/lib/analysis/ipa/plist-parse";
import { withZip } from "@/lib/analysis/ipa/zip-reader";
import { isMachoMagic } from "@/lib/verify/macho";
import { fixturePath } from "@/tests/helpers/fixtures";

export interface FixtureBinary {
  fixture: string;
  /** Path inside the archive. */
  entry: string;
  /** The extracted file. */
  file: string;
  /** The bundle's Info.plist and seal when this is a bundle's main executable, else null. */
  infoPlist: Buffer | null;
  codeResources: Buffer | null;
}

export async function extractFixtureBinaries(tmp: string): Promise<FixtureBinary[]> {
  const out: FixtureBinary[] = [];
  const fixtures = fs.readdirSync(fixturePath("ipa")).filter((f) => f.endsWith(".ipa"));
  for (const fixture of fixtures) {
    await withZip(fixturePath("ipa", fixture), async (zip) => {
      for (const entry of zip.entries) {
        if (entry.isDirectory || entry.isSymlink || entry.uncompressedSize < 4096) continue;
        if (!/^Payload\/.+\.app\//.test(entry.name)) continue;
        const stream = await zip.openEntryStream(entry.name);
        const file = path.join(tmp, `${out.length}-${path.basename(entry.name)}`);
        await pipeline(stream, createWriteStream(file));
        const head = Buffer.alloc(8);
        const fd = fs.openSync(file, "r");
        fs.readSync(fd, head, 0, 8, 0);
        fs.closeSync(fd);
        if (!isMachoMagic(head)) {
          fs.rmSync(file);
          continue;
        }
        const dir = entry.name.slice(0, entry.name.lastIndexOf("/") + 1);
        let infoPlist: Buffer | null = null;
        let codeResources: Buffer | null = null;
        if (zip.getEntry(`${dir}Info.plist`)) {
          const bytes = await zip.readEntry(`${dir}Info.plist`, 1 << 22);
          const plist = parsePlist(bytes);
          if (isPlistDict(plist) && dir + plistString(plist, "CFBundleExecutable") === entry.name) {
            infoPlist = bytes;
            codeResources = await zip.readEntry(`${dir}_CodeSignature/CodeResources`, 1 << 24);
          }
        }
        out.push({ fixture, entry: entry.name, file, infoPlist, codeResources });
      }
    });
  }
  return out;
}
