import { type FileHandle, open } from "node:fs/promises";
import {
  CMS_RESERVED_BYTES,
  type CodeDirectoryForSigning,
  type CodeDirectorySigner,
} from "@/lib/signing/code-directory-signer";
import {
  type DerEntitlementsForm,
  derEntitlementsBlob,
  derEntitlementsFormOf,
  EntitlementsEncodingError,
  entitlementsBlob,
} from "@/lib/signing/der-entitlements";
import { designatedRequirementsBlob, RequirementSyntaxError } from "@/lib/signing/requirements";
import { SigningError } from "@/lib/signing/signing-error";
import { type ByteSource, fileSource } from "@/lib/verify/byte-source";
import { hashCodePages } from "@/lib/verify/code-pages";
import { type MachoSlice, readMachoSlices, readSignatureBytes } from "@/lib/verify/macho";
import {
  type CodeDirectory,
  type CodeDirectoryInput,
  CSMAGIC,
  CSSLOT,
  cdhashOf,
  digestFor,
  HASH_TYPES,
  type HashType,
  parseEmbeddedSignature,
  serializeCodeDirectory,
  serializeSuperBlob,
  wrapBlob,
} from "@/lib/verify/signature-blobs";

/**
 * Re-signs one Mach-O file, thin or fat, every slice: a new CodeDirectory per
 * hash type (page hashes over the final header bytes), requirements,
 * entitlements (XML and DER), and the CMS from a CodeDirectorySigner, written
 * at LC_CODE_SIGNATURE's offset. LC_CODE_SIGNATURE's size and __LINKEDIT's
 * file and VM sizes follow the new signature. The input is read 1 MB at a
 * time and the output written as it goes: memory is bounded whatever the
 * binary's size.
 */

export interface SignMachoOptions {
  identifier: string;
  teamId: string | null;
  /** Primary first. Default: the hash types of the original signature. */
  hashTypes?: HashType[];
  /**
   * The XML entitlements plist. Default (undefined): the original's; null: none.
   */
  entitlements?: Buffer | null;
  /** The DER entitlements form; false for none. Default: the original's form, else "versioned". */
  derEntitlements?: DerEntitlementsForm | false;
  /** Special slot −1: the bundle's Info.plist bytes (null for loose code). */
  infoPlist: Buffer | null;
  /** Special slot −3: the bundle's `_CodeSignature/CodeResources` bytes (null for loose code). */
  codeResources: Buffer | null;
  /**
   * The designated requirement as text (compiled), or a whole requirements
   * blob. Default: the original's requirements blob.
   */
  requirements?: string | Buffer;
  /** Default: copied from the original primary directory. */
  flags?: number;
  execSegFlags?: bigint;
  runtime?: number;
  signer: CodeDirectorySigner;
}

export interface SignedSlice {
  arch: string;
  /** The new image's offset in the output file. */
  offset: number;
  size: number;
  /** Every CodeDirectory written, primary first. */
  directories: CodeDirectoryForSigning[];
  /** The primary directory's cdhash (what a parent seal names nested code by). */
  cdhash: Buffer;
}

const MH_MAGIC_64 = 0xfeedfacf;
const FAT_MAGIC = 0xcafebabe;
const FAT_MAGIC_64 = 0xcafebabf;
const LC_SEGMENT = 0x1;
const LC_SEGMENT_64 = 0x19;
const LC_CODE_SIGNATURE = 0x1d;
const CPU_ARCH_ABI64 = 0x01000000;
const COPY_CHUNK = 1024 * 1024;
// codesign pads the signature to 16 bytes; so do we (its size is then deterministic).
const SIGNATURE_ALIGN = 16;
const UINT32_MAX = 0xffffffff;

const roundUp = (value: number, to: number) => Math.ceil(value / to) * to;

interface LoadCommands {
  /** Header plus load commands, as read. */
  bytes: Buffer;
  is64: boolean;
  /** Offsets inside `bytes`. */
  codeSignatureAt: number;
  linkedit: { at: number; fileoff: number; filesize: number; vmsize: number };
}

async function readLoadCommands(source: ByteSource, slice: MachoSlice): Promise<LoadCommands> {
  const head = await source.read(slice.offset, 32);
  const is64 = head.readUInt32LE(0) === MH_MAGIC_64;
  const headerSize = is64 ? 32 : 28;
  const ncmds = head.readUInt32LE(16);
  const sizeofcmds = head.readUInt32LE(20);
  // readMachoSlices has bounded sizeofcmds against the image already.
  const bytes = Buffer.from(await source.read(slice.offset, headerSize + sizeofcmds));
  let codeSignatureAt = -1;
  let linkedit: LoadCommands["linkedit"] | null = null;
  let at = headerSize;
  for (let i = 0; i < ncmds; i++) {
    const cmd = bytes.readUInt32LE(at);
    const cmdsize = bytes.readUInt32LE(at + 4);
    if (cmd === LC_CODE_SIGNATURE) codeSignatureAt = at;
    if ((cmd === LC_SEGMENT_64 || cmd === LC_SEGMENT) && cmdsize >= (cmd === LC_SEGMENT_64 ? 72 : 56)) {
      const name = bytes.toString("latin1", at + 8, at + 24).replace(/\0.*$/s, "");
      if (name === "__LINKEDIT") {
        linkedit =
          cmd === LC_SEGMENT_64
            ? {
                at,
                vmsize: Number(bytes.readBigUInt64LE(at + 32)),
                fileoff: Number(bytes.readBigUInt64LE(at + 40)),
                filesize: Number(bytes.readBigUInt64LE(at + 48)),
              }
            : {
                at,
                vmsize: bytes.readUInt32LE(at + 28),
                fileoff: bytes.readUInt32LE(at + 32),
                filesize: bytes.readUInt32LE(at + 36),
              };
      }
    }
    at += cmdsize;
  }
  if (codeSignatureAt < 0) {
    throw new SigningError("no_code_signature", `The ${slice.arch} image has no LC_CODE_SIGNATURE to sign into.`);
  }
  if (!linkedit) throw new SigningError("no_linkedit", `The ${slice.arch} image has no __LINKEDIT segment.`);
  return { bytes, is64, codeSignatureAt, linkedit };
}

/** The image's bytes with its header and load commands replaced by `header`. */
function withHeader(source: ByteSource, sliceOffset: number, header: Buffer): ByteSource {
  return {
    size: source.size - sliceOffset,
    async read(offset, length) {
      const bytes = Buffer.from(await source.read(sliceOffset + offset, length));
      if (offset < header.length) header.copy(bytes, 0, offset, Math.min(header.length, offset + length));
      return bytes;
    },
    close: async () => undefined,
  };
}

function compiledRequirements(source: string | Buffer): Buffer {
  if (Buffer.isBuffer(source)) return source;
  try {
    return designatedRequirementsBlob(source);
  } catch (error) {
    if (!(error instanceof RequirementSyntaxError)) throw error;
    throw new SigningError("bad_requirement", `The designated requirement cannot be compiled: ${error.message}.`);
  }
}

function derBlob(xml: Buffer, form: DerEntitlementsForm): Buffer {
  try {
    return derEntitlementsBlob(xml, form);
  } catch (error) {
    // parsePlist's plain Error (not a plist) and EntitlementsEncodingError (a value DER cannot carry) alike.
    const why = error instanceof EntitlementsEncodingError || error instanceof Error ? error.message : String(error);
    throw new SigningError("bad_entitlements", `The entitlements cannot be encoded: ${why}.`);
  }
}

interface SlicePlan {
  slice: MachoSlice;
  header: Buffer;
  codeLimit: number;
  dataSize: number;
  blobs: Array<{ type: number; data: Buffer }>;
  inputs: CodeDirectoryInput[];
}

/** Everything about a slice's new signature but its page hashes and CMS. */
async function planSlice(source: ByteSource, slice: MachoSlice, options: SignMachoOptions): Promise<SlicePlan> {
  const commands = await readLoadCommands(source, slice);
  const signature = slice.codeSignature;
  if (!signature) throw new SigningError("no_code_signature", `The ${slice.arch} image has no LC_CODE_SIGNATURE.`);
  const signatureEnd = signature.dataOffset + signature.dataSize;
  const { linkedit } = commands;
  if (linkedit.fileoff + linkedit.filesize !== signatureEnd || signatureEnd !== slice.size) {
    throw new SigningError(
      "signature_not_at_end",
      `The ${slice.arch} signature (${signature.dataOffset}+${signature.dataSize}) does not end __LINKEDIT (${linkedit.fileoff}+${linkedit.filesize}) and the image (${slice.size} bytes).`,
    );
  }
  const original = parseEmbeddedSignature(
    await readSignatureBytes(source, slice, 64 * 1024 * 1024),
    signature.dataOffset,
  );
  const primary = original.codeDirectories[0]?.cd as CodeDirectory;
  const hashTypes = options.hashTypes ?? original.codeDirectories.map((d) => d.cd.hashType);

  const requirements =
    options.requirements === undefined
      ? (original.requirements ?? compiledRequirements(`identifier "${options.identifier}"`))
      : compiledRequirements(options.requirements);
  const entitlementsXml =
    options.entitlements === undefined ? (original.entitlements?.subarray(8) ?? null) : options.entitlements;
  const derForm =
    options.derEntitlements ??
    (original.derEntitlements ? derEntitlementsFormOf(original.derEntitlements) : "versioned");
  const entitlements = entitlementsXml ? entitlementsBlob(entitlementsXml) : null;
  const der = entitlementsXml && derForm !== false ? derBlob(entitlementsXml, derForm) : null;

  // Special slot contents, slot number → bytes; the directory holds as many slots as the highest filled one.
  const special = new Map<number, Buffer>();
  if (options.infoPlist) special.set(CSSLOT.INFOSLOT, options.infoPlist);
  special.set(CSSLOT.REQUIREMENTS, requirements);
  if (options.codeResources) special.set(CSSLOT.RESOURCEDIR, options.codeResources);
  if (entitlements) special.set(CSSLOT.ENTITLEMENTS, entitlements);
  if (der) special.set(CSSLOT.DER_ENTITLEMENTS, der);
  const nSpecial = Math.max(...special.keys());

  const codeLimit = signature.dataOffset;
  const pageSize = primary.pageSizeLog2 ? 2 ** primary.pageSizeLog2 : codeLimit;
  const nCodeSlots = primary.pageSizeLog2 ? Math.ceil(codeLimit / pageSize) : codeLimit > 0 ? 1 : 0;
  const inputs: CodeDirectoryInput[] = hashTypes.map((hashType) => ({
    version: primary.version,
    flags: options.flags ?? primary.flags,
    hashType,
    platform: primary.platform,
    pageSizeLog2: primary.pageSizeLog2,
    codeLimit,
    identifier: options.identifier,
    teamId: options.teamId,
    specialSlots: Array.from({ length: nSpecial }, (_, i) => {
      const bytes = special.get(i + 1);
      return bytes ? digestFor(hashType, bytes) : Buffer.alloc(HASH_TYPES[hashType].size);
    }),
    // Placeholders of the right size: the real page hashes come once the header is final.
    codeSlots: Array.from({ length: nCodeSlots }, () => Buffer.alloc(HASH_TYPES[hashType].size)),
    execSegBase: primary.execSegBase,
    execSegLimit: primary.execSegLimit,
    execSegFlags: options.execSegFlags ?? primary.execSegFlags,
    runtime: options.runtime ?? primary.runtime,
  }));

  const blobs: Array<{ type: number; data: Buffer }> = [{ type: CSSLOT.REQUIREMENTS, data: requirements }];
  if (entitlements) blobs.push({ type: CSSLOT.ENTITLEMENTS, data: entitlements });
  if (der) blobs.push({ type: CSSLOT.DER_ENTITLEMENTS, data: der });
  const directoriesSize = inputs.reduce((sum, input) => sum + serializeCodeDirectory(input).length, 0);
  const blobCount = inputs.length + blobs.length + 1;
  const superBlobSize =
    12 + blobCount * 8 + directoriesSize + blobs.reduce((s, b) => s + b.data.length, 0) + 8 + CMS_RESERVED_BYTES;
  const dataSize = roundUp(superBlobSize, SIGNATURE_ALIGN);

  // The final header: the signature's size, and __LINKEDIT grown or shrunk to end with it.
  const header = Buffer.from(commands.bytes);
  header.writeUInt32LE(dataSize, commands.codeSignatureAt + 12);
  if (dataSize !== signature.dataSize) {
    const filesize = codeLimit + dataSize - linkedit.fileoff;
    // __LINKEDIT is mapped in whole pages: 16 KB on arm64, 4 KB elsewhere.
    const vmPage = slice.cpuType & CPU_ARCH_ABI64 ? 0x4000 : 0x1000;
    const vmsize = roundUp(filesize, vmPage);
    if (commands.is64) {
      header.writeBigUInt64LE(BigInt(vmsize), linkedit.at + 32);
      header.writeBigUInt64LE(BigInt(filesize), linkedit.at + 48);
    } else {
      if (vmsize > UINT32_MAX) throw new SigningError("image_too_large", "__LINKEDIT would outgrow 32 bits.");
      header.writeUInt32LE(vmsize, linkedit.at + 28);
      header.writeUInt32LE(filesize, linkedit.at + 36);
    }
  }
  if (codeLimit + dataSize > UINT32_MAX) throw new SigningError("image_too_large", "The image would outgrow 4 GB.");
  return { slice, header, codeLimit, dataSize, blobs, inputs };
}

async function writeAll(out: FileHandle, bytes: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await out.write(bytes, done, bytes.length - done, position + done);
    done += bytesWritten;
  }
}

/** Hashes, signs and writes one slice at `outOffset`. */
async function signSlice(
  source: ByteSource,
  plan: SlicePlan,
  signer: CodeDirectorySigner,
  out: FileHandle,
  outOffset: number,
): Promise<SignedSlice> {
  const image = withHeader(source, plan.slice.offset, plan.header);
  const pages = await hashCodePages(image, 0, plan.inputs);
  const directories = plan.inputs.map((input, i) => ({
    hashType: input.hashType,
    bytes: serializeCodeDirectory({ ...input, codeSlots: pages[i] ?? [] }),
  }));
  const cms = await signer(directories);
  const blobs = [
    ...directories.map((d, i) => ({
      type: i === 0 ? CSSLOT.CODEDIRECTORY : CSSLOT.ALTERNATE_CODEDIRECTORIES + i - 1,
      data: d.bytes,
    })),
    ...plan.blobs,
    { type: CSSLOT.SIGNATURESLOT, data: wrapBlob(CSMAGIC.BLOBWRAPPER, cms) },
  ].sort((a, b) => a.type - b.type);
  const superBlob = serializeSuperBlob(blobs);
  if (superBlob.length > plan.dataSize) {
    throw new SigningError(
      "cms_too_large",
      `The CMS signature is ${cms.length} bytes, more than the ${CMS_RESERVED_BYTES} reserved for it.`,
    );
  }
  for (let at = 0; at < plan.codeLimit; at += COPY_CHUNK) {
    await writeAll(out, await image.read(at, Math.min(COPY_CHUNK, plan.codeLimit - at)), outOffset + at);
  }
  const padded = Buffer.alloc(plan.dataSize);
  superBlob.copy(padded);
  await writeAll(out, padded, outOffset + plan.codeLimit);
  const primary = directories[0] as CodeDirectoryForSigning;
  return {
    arch: plan.slice.arch,
    offset: outOffset,
    size: plan.codeLimit + plan.dataSize,
    directories,
    cdhash: cdhashOf({ hashType: primary.hashType, raw: primary.bytes }),
  };
}

interface FatArch {
  at: number;
  align: number;
}

/** Re-signs the Mach-O at `inputPath` into `outputPath` (a new file). Returns each slice's new signature. */
export async function signMacho(
  inputPath: string,
  outputPath: string,
  options: SignMachoOptions,
): Promise<SignedSlice[]> {
  const source = await fileSource(inputPath);
  try {
    const slices = await readMachoSlices(source);
    // Everything that can be refused is refused before the output is created.
    const plans: SlicePlan[] = [];
    for (const slice of slices) plans.push(await planSlice(source, slice, options));
    const head = await source.read(0, 8);
    const fatMagic = head.readUInt32BE(0);
    const isFat = fatMagic === FAT_MAGIC || fatMagic === FAT_MAGIC_64;
    const out = await open(outputPath, "w");
    try {
      if (!isFat) {
        const plan = plans[0] as SlicePlan;
        return [await signSlice(source, plan, options.signer, out, 0)];
      }
      const entrySize = fatMagic === FAT_MAGIC_64 ? 32 : 20;
      const table = Buffer.from(await source.read(0, 8 + slices.length * entrySize));
      const arches: FatArch[] = slices.map((_, i) => {
        const at = 8 + i * entrySize;
        return { at, align: table.readUInt32BE(at + (fatMagic === FAT_MAGIC_64 ? 24 : 16)) };
      });
      const signed: SignedSlice[] = [];
      let end = 0;
      for (const [i, plan] of plans.entries()) {
        const arch = arches[i] as FatArch;
        // The first slice stays where it was; later ones follow, each at its own alignment.
        const alignment = 2 ** Math.min(arch.align, 30);
        const offset = i === 0 ? plan.slice.offset : roundUp(end, alignment);
        const result = await signSlice(source, plan, options.signer, out, offset);
        signed.push(result);
        end = offset + result.size;
        if (fatMagic === FAT_MAGIC_64) {
          table.writeBigUInt64BE(BigInt(offset), arch.at + 8);
          table.writeBigUInt64BE(BigInt(result.size), arch.at + 16);
        } else {
          if (end > UINT32_MAX) throw new SigningError("image_too_large", "The fat file would outgrow 4 GB.");
          table.writeUInt32BE(offset, arch.at + 8);
          table.writeUInt32BE(result.size, arch.at + 12);
        }
      }
      await writeAll(out, table, 0);
      return signed;
    } finally {
      await out.close();
    }
  } finally {
    await source.close();
  }
}
