import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { isPlistDict, plistString } from "@/lib/analysis/ipa/plist-dict";
import { parsePlist } from "@/lib/analysis/ipa/plist-parse";
import { withZip, type ZipReader } from "@/lib/analysis/ipa/zip-reader";
import { AppError } from "@/lib/errors";
import type { CodeDirectorySigner } from "@/lib/signing/code-directory-signer";
import {
  buildCodeResources,
  bundleFilesInZip,
  files2HashesOf,
  IOS_RESOURCE_RULES,
  ruleSetsOf,
} from "@/lib/signing/code-resources-writer";
import { iosDesignatedRequirement } from "@/lib/signing/requirements";
import { type SignedSlice, signMacho } from "@/lib/signing/sign-macho";
import { openZipRewrite } from "@/lib/signing/zip-rewrite";
import { fileSource } from "@/lib/verify/byte-source";
import { isMachoMagic, readMachoSlices, readSignatureBytes } from "@/lib/verify/macho";
import { parseEmbeddedSignature } from "@/lib/verify/signature-blobs";

/**
 * Re-signs a whole .ipa inside out: for each bundle, deepest first (a
 * framework or extension before the app that seals it), its loose Mach-O files
 * (dylibs), its provisioning profile, its resource seal over the files as they
 * now are, then its main executable over that seal. Only the binaries,
 * `_CodeSignature/CodeResources` and `embedded.mobileprovision` are rewritten;
 * every other zip entry is copied compressed, byte for byte, first, and the
 * resources a seal lists are hashed from that same read (a 1 GB asset is read
 * once, streamed).
 */

export interface ResignIpaOptions {
  /** The new identity's certificate subject CN (named by the designated requirements) and team. */
  certificateCommonName: string;
  teamId: string;
  signer: CodeDirectorySigner;
  /**
   * The new profile per bundle, by folder relative to the app ("" for the app,
   * "PlugIns/Share.appex/" for an extension). Bundles not named keep theirs.
   */
  profiles?: ReadonlyMap<string, Buffer>;
  /** New XML entitlements per bundle (same keys); bundles not named keep their executable's. */
  entitlements?: ReadonlyMap<string, Buffer>;
  tempDir?: string;
}

export interface ResignedBinary {
  /** Archive path. */
  path: string;
  slices: SignedSlice[];
}

interface BundlePlan {
  /** Archive folder, ending in "/". */
  dir: string;
  /** Folder relative to the app ("" for the app). */
  relative: string;
  infoPlist: Buffer;
  executable: string | null;
  /** Loose Mach-O files of this bundle (not of a nested one). */
  loose: string[];
  profile: Buffer | undefined;
}

const BUNDLE_SUFFIX = /\.(app|appex|framework|xpc)$/;
const MAX_PLIST_BYTES = 4 * 1024 * 1024;
const MAX_SEAL_BYTES = 16 * 1024 * 1024;

async function isMachoEntry(zip: ZipReader, name: string): Promise<boolean> {
  const stream = await zip.openEntryStream(name);
  try {
    for await (const chunk of stream) return isMachoMagic(Buffer.from(chunk as Buffer).subarray(0, 8));
    return false;
  } finally {
    stream.destroy();
  }
}

/** The original primary directory's identifier of each slice (kept when re-signing). */
async function identifierOf(file: string): Promise<string> {
  const source = await fileSource(file);
  try {
    const [slice] = await readMachoSlices(source);
    if (!slice?.codeSignature) return path.basename(file);
    const signature = parseEmbeddedSignature(
      await readSignatureBytes(source, slice, 64 * 1024 * 1024),
      slice.codeSignature.dataOffset,
    );
    return signature.codeDirectories[0]?.cd.identifier ?? path.basename(file);
  } finally {
    await source.close();
  }
}

export async function resignIpa(
  inputPath: string,
  outputPath: string,
  options: ResignIpaOptions,
): Promise<ResignedBinary[]> {
  const work = await mkdtemp(path.join(options.tempDir ?? os.tmpdir(), "ferry-resign-"));
  let counter = 0;
  const scratch = (name: string) => path.join(work, `${counter++}-${path.basename(name)}`);
  // Archive name → file holding its new bytes.
  const replaced = new Map<string, string>();
  const results: ResignedBinary[] = [];
  try {
    await withZip(inputPath, async (zip) => {
      const appInfo = zip.entries.find((e) => /^Payload\/[^/]+\.app\/Info\.plist$/.test(e.name));
      if (!appInfo) throw new AppError("no_app_bundle", "The archive has no Payload/<App>.app/Info.plist.");
      const appDir = appInfo.name.slice(0, -"Info.plist".length);
      const files = zip.entries.filter((e) => !e.isDirectory && !e.isSymlink && e.name.startsWith(appDir));
      const bundleDirs = new Set<string>([appDir]);
      for (const entry of files) {
        const parts = entry.name.slice(appDir.length).split("/");
        for (let i = 1; i < parts.length; i++) {
          const dir = appDir + parts.slice(0, i).join("/");
          if (BUNDLE_SUFFIX.test(dir) && zip.getEntry(`${dir}/Info.plist`)) bundleDirs.add(`${dir}/`);
        }
      }
      const ordered = [...bundleDirs].sort((a, b) => b.split("/").length - a.split("/").length);
      const ownerOf = (name: string) => ordered.find((dir) => name.startsWith(dir)) ?? appDir;

      // What changes, decided before anything is written: each bundle's loose code, profile, seal and executable.
      const plans: BundlePlan[] = [];
      const changing = new Set<string>();
      for (const dir of ordered) {
        const relative = dir.slice(appDir.length);
        const infoPlist = await zip.readEntry(`${dir}Info.plist`, MAX_PLIST_BYTES);
        const info = parsePlist(infoPlist);
        const executableName = isPlistDict(info) ? plistString(info, "CFBundleExecutable") : null;
        const executable = executableName && zip.getEntry(`${dir}${executableName}`) ? `${dir}${executableName}` : null;
        const loose: string[] = [];
        for (const entry of files) {
          if (entry.name === executable || ownerOf(entry.name) !== dir || entry.uncompressedSize < 32) continue;
          if (entry.name.startsWith(`${dir}_CodeSignature/`)) continue;
          if (await isMachoEntry(zip, entry.name)) loose.push(entry.name);
        }
        const profile = options.profiles?.get(relative);
        plans.push({ dir, relative, infoPlist, executable, loose, profile });
        for (const name of loose) changing.add(name);
        if (profile) changing.add(`${dir}embedded.mobileprovision`);
        if (executable) changing.add(executable).add(`${dir}_CodeSignature/CodeResources`);
      }

      // Everything else is copied now, and the files a seal lists are hashed from that same read.
      const rewrite = await openZipRewrite(inputPath, outputPath);
      try {
        const sealable = new Set(files.map((e) => e.name));
        const copiedDigests = await rewrite.copyUnchanged(changing, (name) => sealable.has(name));

        /** A file's current bytes: the rewritten copy when there is one, else the archive's. */
        const openCurrent = async (name: string) => {
          const file = replaced.get(name);
          return file ? createReadStream(file) : zip.openEntryStream(name);
        };
        const extract = async (name: string): Promise<string> => {
          const file = scratch(name);
          await pipeline(await openCurrent(name), createWriteStream(file));
          return file;
        };
        const sign = async (
          name: string,
          infoPlist: Buffer | null,
          codeResources: Buffer | null,
          entitlements?: Buffer,
        ) => {
          const input = await extract(name);
          const output = scratch(name);
          const identifier = await identifierOf(input);
          const slices = await signMacho(input, output, {
            identifier,
            teamId: options.teamId,
            requirements: iosDesignatedRequirement(identifier, options.certificateCommonName),
            entitlements,
            infoPlist,
            codeResources,
            signer: options.signer,
          });
          await rm(input);
          replaced.set(name, output);
          results.push({ path: name, slices });
        };

        for (const { dir, relative, infoPlist, executable, loose, profile } of plans) {
          for (const name of loose) await sign(name, null, null);
          if (profile) {
            const file = scratch("embedded.mobileprovision");
            await writeFile(file, profile);
            replaced.set(`${dir}embedded.mobileprovision`, file);
          }
          if (!executable) continue;
          const sealPath = `${dir}_CodeSignature/CodeResources`;
          const original = zip.getEntry(sealPath) ? await zip.readEntry(sealPath, MAX_SEAL_BYTES) : null;
          const bundleFiles = await bundleFilesInZip(zip, dir);
          const names = new Set(bundleFiles.map((f) => f.path));
          // Files re-signing adds (a profile where there was none) are sealed too.
          for (const name of replaced.keys()) {
            if (name.startsWith(dir) && !names.has(name.slice(dir.length)))
              bundleFiles.push({ path: name.slice(dir.length) });
          }
          const seal = await buildCodeResources({
            files: bundleFiles,
            mainExecutable: executable.slice(dir.length),
            open: (p) => openCurrent(dir + p),
            digests: (p) => (replaced.has(dir + p) ? undefined : copiedDigests.get(dir + p)),
            rules: original ? ruleSetsOf(original) : IOS_RESOURCE_RULES,
            files2Hashes: original ? files2HashesOf(original) : "sha256",
          });
          const sealFile = scratch("CodeResources");
          await writeFile(sealFile, seal);
          replaced.set(sealPath, sealFile);
          await sign(executable, infoPlist, seal, options.entitlements?.get(relative));
        }
        await rewrite.finish(replaced, scratch);
      } finally {
        await rewrite.close();
      }
    });
    return results;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
