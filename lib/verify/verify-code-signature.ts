import type { X509Certificate } from "node:crypto";
import { isPlistDict, plistString } from "@/lib/analysis/ipa/plist-dict";
import { parsePlist } from "@/lib/analysis/ipa/plist-parse";
import { withZip, type ZipReader } from "@/lib/analysis/ipa/zip-reader";
import { AppError } from "@/lib/errors";
import { type ByteSource, zipEntrySource } from "@/lib/verify/byte-source";
import { verifyCmsSignature } from "@/lib/verify/cms-signature";
import { firstModifiedPage, hashCodePages } from "@/lib/verify/code-pages";
import {
  type BundleContents,
  checkResourceSeal,
  MAX_CODE_RESOURCES_BYTES,
  parseCodeResources,
} from "@/lib/verify/code-resources";
import { type MachoSlice, readMachoSlices, readSignatureBytes } from "@/lib/verify/macho";
import {
  CERTIFICATE_EXPIRY_WARNING_DAYS,
  type CodeSignatureProblem,
  type CodeSignatureProblemCode,
  problem,
} from "@/lib/verify/problems";
import {
  type CodeDirectory,
  CSSLOT,
  cdhashOf,
  digestFor,
  type EmbeddedSignature,
  HASH_TYPES,
  parseEmbeddedSignature,
} from "@/lib/verify/signature-blobs";
import { SignatureFormatError } from "@/lib/verify/signature-format-error";
import { type TrustAnchor, verifyChain } from "@/lib/verify/trust-roots";

/**
 * Verifies every code signature in an .ipa the way iOS would at install:
 * each bundle (the app, its frameworks, extensions, watch app, and their own
 * nesting) and loose dylib, every Mach-O slice, every CodeDirectory's page and
 * special-slot hashes, the resource seals, the CMS signature and its chain.
 * Returns plain JSON-able data; a problem never throws (only an archive that
 * cannot be read at all does, with the zip reader's AppError).
 */

export interface SignedBinary {
  /** Archive path of the Mach-O file. */
  path: string;
  arch: string;
  /** cdhash (hex) of the primary CodeDirectory, the one iOS identifies the code by. */
  cdhash: string;
  /** Every directory's cdhash (hex) with its hash type. */
  cdhashes: Array<{ hashType: string; cdhash: string }>;
  hashType: string;
  identifier: string;
  teamId: string | null;
}

export interface CodeSigner {
  commonName: string | null;
  /** The certificate's organizational unit: the Apple team identifier. */
  teamId: string | null;
  /** Serial number, hex upper case. */
  serial: string;
  notBefore: string;
  notAfter: string;
  /** The chain ends at one of Apple's pinned roots (not an extra root). */
  issuedByApple: boolean;
  /** The chain ends at a trusted root (Apple's or CODESIGN_EXTRA_ROOTS). */
  trusted: boolean;
  signedAt: string | null;
}

export interface CodeSignatureReport {
  /** The seal is intact and trusted: no problem but the warnings (certificate expiry). */
  valid: boolean;
  /** When expiry was judged. */
  checkedAt: string;
  problems: CodeSignatureProblem[];
  /** The main executable's signer, or null when it has none. */
  signer: CodeSigner | null;
  binaries: SignedBinary[];
  /** The main executable's entitlements, or null. */
  entitlements: Record<string, unknown> | null;
}

export interface VerifyOptions {
  /** The time certificate expiry is judged at (default now). */
  at?: Date;
  /** Roots besides Apple's; default CODESIGN_EXTRA_ROOTS. */
  extraAnchors?: TrustAnchor[];
  /** Where large binaries are spilled while hashed (default the OS temp dir). */
  tempDir?: string;
  /** Binaries larger than this are spilled to a temporary file (default IN_MEMORY_ENTRY_LIMIT). */
  inMemoryLimit?: number;
}

// A signature holds ~52 bytes per 4 KB page for SHA-1 + SHA-256: 64 MB covers a 4 GB binary.
const MAX_SIGNATURE_BYTES = 64 * 1024 * 1024;
const MAX_INFO_PLIST_BYTES = 4 * 1024 * 1024;
const BUNDLE_SUFFIX = /\.(app|appex|framework|xpc)$/;
const DAY_MS = 86_400_000;

export async function verifyCodeSignature(ipaPath: string, options: VerifyOptions = {}): Promise<CodeSignatureReport> {
  return withZip(ipaPath, (zip) => verifyOpenArchive(zip, options));
}

interface BinaryResult {
  binaries: SignedBinary[];
  cdhashes: Set<string>;
  problems: CodeSignatureProblem[];
  signer: CodeSigner | null;
  entitlements: Record<string, unknown> | null;
  /** Some slice's CodeDirectory names a platform (Apple system code: exempt from the team check). */
  platform: boolean;
}

interface SealedFiles {
  isBundleExecutable: boolean;
  infoPlist: { path: string; bytes: Buffer } | null;
  codeResources: { path: string; bytes: Buffer } | null;
}

export async function verifyOpenArchive(zip: ZipReader, options: VerifyOptions = {}): Promise<CodeSignatureReport> {
  const at = options.at ?? new Date();
  const appInfo = zip.entries.find((e) => /^Payload\/[^/]+\.app\/Info\.plist$/.test(e.name));
  if (!appInfo) {
    throw new AppError(
      "no_app_bundle",
      "The archive has no Payload/<App>.app/Info.plist, so there is nothing to verify.",
    );
  }
  const appDir = appInfo.name.slice(0, -"Info.plist".length);
  const files = zip.entries.filter((e) => !e.isDirectory && e.name.startsWith(appDir));

  // Bundles: folders named like code bundles that hold an Info.plist or a seal, the app itself included.
  const bundleDirs = new Set<string>([appDir]);
  for (const entry of files) {
    const parts = entry.name.slice(appDir.length).split("/");
    for (let i = 1; i < parts.length; i++) {
      const dir = appDir + parts.slice(0, i).join("/");
      if (!BUNDLE_SUFFIX.test(dir)) continue;
      if (zip.getEntry(`${dir}/Info.plist`) || zip.getEntry(`${dir}/_CodeSignature/CodeResources`)) {
        bundleDirs.add(`${dir}/`);
      }
    }
  }
  const ordered = [...bundleDirs].sort((a, b) => b.split("/").length - a.split("/").length);
  const ownerOf = (name: string): string =>
    ordered.find((dir) => name.startsWith(dir)) ?? appDir; /* deepest bundle holding the file */
  // Each file's bundle, computed once: archives may hold tens of thousands of files.
  const filesByOwner = new Map<string, string[]>();
  for (const entry of files) {
    const owner = ownerOf(entry.name);
    const list = filesByOwner.get(owner);
    if (list) list.push(entry.name);
    else filesByOwner.set(owner, [entry.name]);
  }

  const problems: CodeSignatureProblem[] = [];
  const binaries: SignedBinary[] = [];
  const cdhashesByPath = new Map<string, Set<string>>();
  const platformPaths = new Set<string>();
  let mainResult: BinaryResult | null = null;

  const executables = new Map<string, string>();
  const sealedFiles = new Map<string, SealedFiles>();
  for (const dir of ordered) {
    const infoPath = `${dir}Info.plist`;
    const infoBytes = zip.getEntry(infoPath) ? await zip.readEntry(infoPath, MAX_INFO_PLIST_BYTES) : null;
    let executable: string | null = null;
    if (infoBytes) {
      try {
        const plist = parsePlist(infoBytes);
        executable = isPlistDict(plist) ? plistString(plist, "CFBundleExecutable") : null;
      } catch {
        problems.push(problem("code_signature_invalid", `${infoPath} cannot be read`, infoPath));
      }
    }
    executable ??= dir.slice(0, -1).split("/").pop()?.replace(BUNDLE_SUFFIX, "") ?? null;
    if (executable) executables.set(dir, `${dir}${executable}`);
    const resourcesPath = `${dir}_CodeSignature/CodeResources`;
    sealedFiles.set(dir, {
      isBundleExecutable: true,
      infoPlist: infoBytes ? { path: infoPath, bytes: infoBytes } : null,
      codeResources: zip.getEntry(resourcesPath)
        ? { path: resourcesPath, bytes: await zip.readEntry(resourcesPath, MAX_CODE_RESOURCES_BYTES) }
        : null,
    });
  }

  // Loose dylibs first: their cdhashes are needed by the seal of the bundle holding them.
  const executablePaths = new Set(executables.values());
  for (const entry of files) {
    if (!entry.name.endsWith(".dylib") || entry.isSymlink || executablePaths.has(entry.name)) continue;
    const result = await verifyBinary(
      zip,
      entry.name,
      { isBundleExecutable: false, infoPlist: null, codeResources: null },
      at,
      options,
    );
    collect(result, entry.name);
  }

  for (const dir of ordered) {
    const executable = executables.get(dir);
    const sealed = sealedFiles.get(dir) ?? { isBundleExecutable: true, infoPlist: null, codeResources: null };
    if (!executable || !zip.getEntry(executable)) {
      // A framework folder holding only headers or nothing is not code; a sealed bundle without its binary is broken.
      if (sealed.codeResources || dir === appDir) {
        problems.push(problem("code_signature_invalid", `${executable ?? dir} is missing`, executable ?? dir));
      }
      continue;
    }
    const result = await verifyBinary(zip, executable, sealed, at, options);
    collect(result, executable);
    if (dir === appDir) mainResult = result;
    // An unsigned executable already says it all; a signed one without its resource seal is broken.
    if (!sealed.codeResources) {
      if (result.binaries.length === 0) continue;
      problems.push(
        problem(
          "code_signature_invalid",
          `${dir}_CodeSignature/CodeResources is missing: resources are not sealed`,
          dir,
        ),
      );
      continue;
    }
    let seal: ReturnType<typeof parseCodeResources>;
    try {
      seal = parseCodeResources(sealed.codeResources.bytes);
    } catch (error) {
      problems.push(
        problem(
          "code_signature_invalid",
          `${sealed.codeResources.path} cannot be read (${error instanceof Error ? error.message : String(error)})`,
          sealed.codeResources.path,
        ),
      );
      continue;
    }
    const contents: BundleContents = {
      dir,
      files: (filesByOwner.get(dir) ?? []).map((name) => name.slice(dir.length)),
      nested: new Map(),
      excluded: new Set([executable.slice(dir.length)]),
      machoCdhashes: new Map(),
    };
    for (const rel of contents.files) {
      if (rel.startsWith("_CodeSignature/")) contents.excluded.add(rel);
      const cdhashes = cdhashesByPath.get(dir + rel);
      if (cdhashes) contents.machoCdhashes.set(rel, cdhashes);
    }
    for (const other of ordered) {
      if (other === dir || !other.startsWith(dir) || ownerOf(other.slice(0, -1)) !== dir) continue;
      const otherExecutable = executables.get(other);
      contents.nested.set(other.slice(dir.length, -1), {
        cdhashes: (otherExecutable && cdhashesByPath.get(otherExecutable)) || new Set(),
        files: files.filter((e) => e.name.startsWith(other)).map((e) => e.name.slice(dir.length)),
      });
    }
    problems.push(...(await checkResourceSeal(zip, seal, contents)));
  }

  // iOS loads nested code only from the main app's team (or the platform's own code).
  const mainTeam = mainResult?.binaries.find((b) => b.teamId)?.teamId ?? null;
  if (mainTeam) {
    for (const binary of binaries) {
      // No team at all is ad-hoc code, already an unsigned_binary.
      if (platformPaths.has(binary.path) || !binary.teamId || binary.teamId === mainTeam) continue;
      problems.push(
        problem(
          "nested_code_team_mismatch",
          `${binary.path} is signed by team ${binary.teamId}, not the app's team ${mainTeam}: iOS will refuse to load it`,
          binary.path,
          binary.arch,
        ),
      );
    }
  }

  function collect(result: BinaryResult, path: string): void {
    problems.push(...result.problems);
    binaries.push(...result.binaries);
    cdhashesByPath.set(path, result.cdhashes);
    if (result.platform) platformPaths.add(path);
  }

  const unique = dedupe(problems);
  const main = mainResult as BinaryResult | null;
  return {
    valid: unique.every((p) => p.severity !== "error"),
    checkedAt: at.toISOString(),
    problems: unique,
    signer: main?.signer ?? null,
    binaries,
    entitlements: main?.entitlements ?? null,
  };
}

function dedupe(problems: CodeSignatureProblem[]): CodeSignatureProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.code}\0${p.path}\0${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

async function verifyBinary(
  zip: ZipReader,
  path: string,
  sealed: SealedFiles,
  at: Date,
  options: VerifyOptions,
): Promise<BinaryResult> {
  const result: BinaryResult = {
    binaries: [],
    cdhashes: new Set(),
    problems: [],
    signer: null,
    entitlements: null,
    platform: false,
  };
  let source: ByteSource | null = null;
  try {
    source = await zipEntrySource(zip, path, { tempDir: options.tempDir, inMemoryLimit: options.inMemoryLimit });
    const slices = await readMachoSlices(source);
    for (const slice of slices) await verifySlice(source, slice, path, sealed, at, options, result);
  } catch (error) {
    if (!(error instanceof SignatureFormatError)) throw error;
    result.problems.push(problem("signature_malformed", `${path}: ${error.message}`, path));
  } finally {
    await source?.close();
  }
  return result;
}

const SPECIAL_SLOT_NAMES: Record<number, string> = {
  [CSSLOT.INFOSLOT]: "Info.plist",
  [CSSLOT.REQUIREMENTS]: "the requirements",
  [CSSLOT.RESOURCEDIR]: "_CodeSignature/CodeResources",
  [CSSLOT.APPLICATION]: "the application blob",
  [CSSLOT.ENTITLEMENTS]: "the entitlements",
  [CSSLOT.DER_ENTITLEMENTS]: "the DER entitlements",
};

function specialSlotSources(
  signature: EmbeddedSignature,
  sealed: SealedFiles,
  path: string,
): Map<number, { bytes: Buffer | null; path: string; isFile: boolean }> {
  return new Map([
    [CSSLOT.INFOSLOT, { bytes: sealed.infoPlist?.bytes ?? null, path: sealed.infoPlist?.path ?? path, isFile: true }],
    [CSSLOT.REQUIREMENTS, { bytes: signature.requirements, path, isFile: false }],
    [
      CSSLOT.RESOURCEDIR,
      { bytes: sealed.codeResources?.bytes ?? null, path: sealed.codeResources?.path ?? path, isFile: true },
    ],
    [CSSLOT.APPLICATION, { bytes: signature.application, path, isFile: false }],
    [CSSLOT.ENTITLEMENTS, { bytes: signature.entitlements, path, isFile: false }],
    [CSSLOT.DER_ENTITLEMENTS, { bytes: signature.derEntitlements, path, isFile: false }],
  ]);
}

async function verifySlice(
  source: ByteSource,
  slice: MachoSlice,
  path: string,
  sealed: SealedFiles,
  at: Date,
  options: VerifyOptions,
  result: BinaryResult,
): Promise<void> {
  const { arch } = slice;
  const add = (code: CodeSignatureProblemCode, message: string, where = path) =>
    result.problems.push(problem(code, message, where, arch));
  if (!slice.codeSignature) {
    add("unsigned_binary", `${path} (${arch}) is not signed`);
    return;
  }
  const bytes = await readSignatureBytes(source, slice, MAX_SIGNATURE_BYTES);
  const signature = parseEmbeddedSignature(bytes, slice.codeSignature.dataOffset);
  const directories = signature.codeDirectories.map((d) => d.cd);
  const primary = directories[0] as CodeDirectory;
  if (primary.platform !== 0) result.platform = true;

  // Code pages: all directories in one pass over the image.
  const computed = await hashCodePages(source, slice.offset, directories);
  directories.forEach((cd, i) => {
    const page = firstModifiedPage(cd, computed[i] ?? []);
    if (page === null) return;
    const pageSize = cd.pageSizeLog2 ? 2 ** cd.pageSizeLog2 : cd.codeLimit;
    add(
      "code_page_modified",
      `${path} (${arch}): code page ${page} (bytes ${page * pageSize}–${Math.min((page + 1) * pageSize, cd.codeLimit) - 1}) changed after signing (${HASH_TYPES[cd.hashType].name})`,
    );
  });

  // Special slots: what each directory says about Info.plist, the seal, the requirements and entitlements.
  const sources = specialSlotSources(signature, sealed, path);
  for (const cd of directories) {
    for (const [slot, item] of sources) {
      const expected = cd.specialSlots[slot - 1];
      const absent = !expected || expected.every((b) => b === 0);
      const name = SPECIAL_SLOT_NAMES[slot] ?? `special slot ${slot}`;
      // Info.plist and the seal belong to a bundle's main executable; a loose dylib's slots name files that are not there.
      if (item.isFile && !sealed.isBundleExecutable) continue;
      if (absent) {
        // Blobs inside the signature must be bound by the directory; loose files of a dylib need not be.
        if (item.bytes && !item.isFile) add("code_signature_invalid", `${path} (${arch}): ${name} is not sealed`);
        continue;
      }
      if (!item.bytes) {
        add("code_signature_invalid", `${name} is missing (it was sealed)`, item.path);
        continue;
      }
      // Slot 4 (old signatures) hashes its wrapper's payload; every other slot hashes the whole blob or file.
      const matches =
        digestFor(cd.hashType, item.bytes).equals(expected) ||
        (slot === CSSLOT.APPLICATION && digestFor(cd.hashType, item.bytes.subarray(8)).equals(expected));
      if (!matches) {
        add(
          "code_signature_invalid",
          item.isFile ? `${name} changed after signing` : `${path} (${arch}): ${name} changed after signing`,
          item.path,
        );
      }
    }
  }

  for (const cd of directories) result.cdhashes.add(cdhashOf(cd).toString("hex"));
  result.binaries.push({
    path,
    arch,
    cdhash: cdhashOf(primary).toString("hex"),
    cdhashes: directories.map((cd) => ({
      hashType: HASH_TYPES[cd.hashType].name,
      cdhash: cdhashOf(cd).toString("hex"),
    })),
    hashType: HASH_TYPES[primary.hashType].name,
    identifier: primary.identifier,
    teamId: primary.teamId,
  });
  if (signature.entitlements && !result.entitlements) result.entitlements = parseEntitlements(signature.entitlements);

  if (!signature.cms || signature.cms.length === 0) {
    add("unsigned_binary", `${path} (${arch}) is only ad-hoc signed: no identity vouches for it`);
    return;
  }
  const cms = await verifyCmsSignature(signature.cms, directories);
  for (const message of cms.problems) add("code_signature_invalid", `${path} (${arch}): ${message}`);
  if (!cms.signer) return;
  const chain = verifyChain(cms.signer, { intermediates: cms.certificates, extraAnchors: options.extraAnchors });
  if (!chain.trusted) {
    add(
      "signature_not_trusted",
      `${path} is signed by ${describe(cms.signer)}, not trusted: ${chain.detail ?? chain.problem}`,
    );
  }
  const notAfter = Date.parse(cms.signer.validTo);
  if (at.getTime() > notAfter) {
    add(
      "certificate_expired",
      `The signing certificate ${describe(cms.signer)} expired on ${new Date(notAfter).toISOString().slice(0, 10)}`,
    );
  } else if (at.getTime() + CERTIFICATE_EXPIRY_WARNING_DAYS * DAY_MS > notAfter) {
    add(
      "certificate_expiring_soon",
      `The signing certificate ${describe(cms.signer)} expires on ${new Date(notAfter).toISOString().slice(0, 10)}`,
    );
  }
  result.signer ??= signerOf(cms.signer, chain.trusted, chain.anchor?.apple === true, cms.signingTime);
}

function subjectField(cert: X509Certificate, field: string): string | null {
  const line = cert.subject.split("\n").find((l) => l.startsWith(`${field}=`));
  return line ? line.slice(field.length + 1) : null;
}

function describe(cert: X509Certificate): string {
  return `"${subjectField(cert, "CN") ?? cert.subject.replaceAll("\n", ", ")}"`;
}

function signerOf(cert: X509Certificate, trusted: boolean, apple: boolean, signedAt: Date | null): CodeSigner {
  return {
    commonName: subjectField(cert, "CN"),
    teamId: subjectField(cert, "OU"),
    serial: cert.serialNumber.toUpperCase(),
    notBefore: new Date(cert.validFrom).toISOString(),
    notAfter: new Date(cert.validTo).toISOString(),
    issuedByApple: apple,
    trusted,
    signedAt: signedAt?.toISOString() ?? null,
  };
}

/** The XML entitlements blob as plain JSON (data as base64, dates as ISO strings). */
function parseEntitlements(blob: Buffer): Record<string, unknown> | null {
  try {
    const value = toJson(parsePlist(blob.subarray(8)), 0);
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function toJson(value: unknown, depth: number): unknown {
  if (depth > 32) return null;
  if (Buffer.isBuffer(value)) return value.toString("base64");
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map((v) => toJson(v, depth + 1));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v, depth + 1)]));
  }
  return value;
}
