import type { ByteSource } from "@/lib/verify/byte-source";
import { SignatureFormatError } from "@/lib/verify/signature-format-error";

/**
 * Mach-O reading for code signatures: thin and fat (32- and 64-bit fat
 * headers), 32- and 64-bit little-endian images, the LC_CODE_SIGNATURE load
 * command. Every offset is checked against the file before it is used.
 */

const MH_MAGIC = 0xfeedface;
const MH_MAGIC_64 = 0xfeedfacf;
const FAT_MAGIC = 0xcafebabe;
const FAT_MAGIC_64 = 0xcafebabf;
const LC_CODE_SIGNATURE = 0x1d;
const CPU_ARCH_ABI64 = 0x01000000;
const CPU_ARCH_ABI64_32 = 0x02000000;
const CPU_TYPE_ARM = 12;
const CPU_TYPE_X86 = 7;

// Real fat files hold 1–4 slices; a bound keeps hostile headers cheap.
const MAX_FAT_ARCHS = 32;
// Load commands of real binaries take a few KB; 4 MB is generous and bounded.
const MAX_LOAD_COMMANDS_BYTES = 4 * 1024 * 1024;

export interface MachoSlice {
  /** Offset of this image inside the file (0 for thin files). */
  offset: number;
  size: number;
  cpuType: number;
  cpuSubtype: number;
  arch: string;
  is64: boolean;
  fileType: number;
  /** LC_CODE_SIGNATURE, relative to the slice; null when the image is unsigned. */
  codeSignature: { dataOffset: number; dataSize: number } | null;
}

export function archName(cpuType: number, cpuSubtype: number): string {
  const sub = cpuSubtype & 0x00ffffff;
  if (cpuType === CPU_TYPE_ARM) {
    const names: Record<number, string> = { 6: "armv6", 9: "armv7", 11: "armv7s", 12: "armv7k", 13: "armv8" };
    return names[sub] ?? `arm(${sub})`;
  }
  if (cpuType === (CPU_TYPE_ARM | CPU_ARCH_ABI64)) return sub === 2 ? "arm64e" : "arm64";
  if (cpuType === (CPU_TYPE_ARM | CPU_ARCH_ABI64_32)) return "arm64_32";
  if (cpuType === CPU_TYPE_X86) return "i386";
  if (cpuType === (CPU_TYPE_X86 | CPU_ARCH_ABI64)) return "x86_64";
  return `cpu(${cpuType >>> 0}/${sub})`;
}

/** Whether the first bytes look like a Mach-O (thin little-endian or fat). */
export function isMachoMagic(head: Buffer): boolean {
  if (head.length < 4) return false;
  const le = head.readUInt32LE(0);
  const be = head.readUInt32BE(0);
  return le === MH_MAGIC || le === MH_MAGIC_64 || be === FAT_MAGIC || be === FAT_MAGIC_64;
}

async function readAt(source: ByteSource, offset: number, length: number, what: string): Promise<Buffer> {
  if (offset < 0 || length < 0 || offset + length > source.size) {
    throw new SignatureFormatError(
      "truncated",
      `${what} ends past the end of the file (${offset + length} > ${source.size} bytes).`,
    );
  }
  return source.read(offset, length);
}

async function readImage(source: ByteSource, offset: number, size: number): Promise<MachoSlice> {
  const head = await readAt(source, offset, 32, "The Mach-O header");
  const magic = head.readUInt32LE(0);
  if (magic !== MH_MAGIC && magic !== MH_MAGIC_64) {
    throw new SignatureFormatError("bad_magic", `No Mach-O image at offset ${offset} (magic 0x${magic.toString(16)}).`);
  }
  const is64 = magic === MH_MAGIC_64;
  const cpuType = head.readInt32LE(4);
  const cpuSubtype = head.readInt32LE(8);
  const fileType = head.readUInt32LE(12);
  const ncmds = head.readUInt32LE(16);
  const sizeofcmds = head.readUInt32LE(20);
  const headerSize = is64 ? 32 : 28;
  if (sizeofcmds > MAX_LOAD_COMMANDS_BYTES || headerSize + sizeofcmds > size || ncmds * 8 > sizeofcmds) {
    throw new SignatureFormatError(
      "bad_macho",
      `The Mach-O load commands (${ncmds} commands, ${sizeofcmds} bytes) do not fit the image.`,
    );
  }
  const commands = await readAt(source, offset + headerSize, sizeofcmds, "The Mach-O load commands");
  let codeSignature: MachoSlice["codeSignature"] = null;
  let at = 0;
  for (let i = 0; i < ncmds; i++) {
    if (at + 8 > sizeofcmds) throw new SignatureFormatError("bad_macho", `Load command ${i} starts past the others.`);
    const cmd = commands.readUInt32LE(at);
    const cmdsize = commands.readUInt32LE(at + 4);
    if (cmdsize < 8 || at + cmdsize > sizeofcmds) {
      throw new SignatureFormatError("bad_macho", `Load command ${i} has an impossible size (${cmdsize}).`);
    }
    if (cmd === LC_CODE_SIGNATURE) {
      if (cmdsize < 16 || codeSignature) {
        throw new SignatureFormatError("bad_macho", "The image has a malformed or second LC_CODE_SIGNATURE.");
      }
      const dataOffset = commands.readUInt32LE(at + 8);
      const dataSize = commands.readUInt32LE(at + 12);
      if (dataOffset < headerSize + sizeofcmds || dataOffset + dataSize > size) {
        throw new SignatureFormatError(
          "blob_out_of_bounds",
          `LC_CODE_SIGNATURE points outside the image (${dataOffset}+${dataSize} of ${size} bytes).`,
        );
      }
      codeSignature = { dataOffset, dataSize };
    }
    at += cmdsize;
  }
  return {
    offset,
    size,
    cpuType,
    cpuSubtype,
    arch: archName(cpuType, cpuSubtype),
    is64,
    fileType,
    codeSignature,
  };
}

/** The images of a thin or fat Mach-O. Throws SignatureFormatError for anything else. */
export async function readMachoSlices(source: ByteSource): Promise<MachoSlice[]> {
  const head = await readAt(source, 0, Math.min(8, source.size), "The file");
  if (head.length < 8) throw new SignatureFormatError("truncated", "The file is too short to be a Mach-O.");
  const be = head.readUInt32BE(0);
  if (be !== FAT_MAGIC && be !== FAT_MAGIC_64) return [await readImage(source, 0, source.size)];
  const count = head.readUInt32BE(4);
  if (count === 0 || count > MAX_FAT_ARCHS) {
    throw new SignatureFormatError("too_many_entries", `The fat header lists ${count} architectures.`);
  }
  const entrySize = be === FAT_MAGIC_64 ? 32 : 20;
  const table = await readAt(source, 8, count * entrySize, "The fat header");
  const ranges: Array<{ offset: number; size: number }> = [];
  for (let i = 0; i < count; i++) {
    const at = i * entrySize;
    const offset = be === FAT_MAGIC_64 ? Number(table.readBigUInt64BE(at + 8)) : table.readUInt32BE(at + 8);
    const size = be === FAT_MAGIC_64 ? Number(table.readBigUInt64BE(at + 16)) : table.readUInt32BE(at + 12);
    if (offset < 8 + count * entrySize || size < 32 || offset + size > source.size) {
      throw new SignatureFormatError("blob_out_of_bounds", `Fat slice ${i} lies outside the file.`);
    }
    if (ranges.some((r) => offset < r.offset + r.size && r.offset < offset + size)) {
      throw new SignatureFormatError("overlapping_blobs", `Fat slice ${i} overlaps another slice.`);
    }
    ranges.push({ offset, size });
  }
  const slices: MachoSlice[] = [];
  for (const range of ranges) slices.push(await readImage(source, range.offset, range.size));
  return slices;
}

/** Reads one image's embedded signature (the superblob bytes), bounded by `maxBytes`. */
export async function readSignatureBytes(source: ByteSource, slice: MachoSlice, maxBytes: number): Promise<Buffer> {
  if (!slice.codeSignature) throw new Error("unsigned slice");
  const { dataOffset, dataSize } = slice.codeSignature;
  if (dataSize > maxBytes) {
    throw new SignatureFormatError(
      "signature_too_large",
      `The ${slice.arch} signature is ${dataSize} bytes; Ferry reads at most ${maxBytes}.`,
    );
  }
  return readAt(source, slice.offset + dataOffset, dataSize, "The code signature");
}
