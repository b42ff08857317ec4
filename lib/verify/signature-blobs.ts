import { createHash } from "node:crypto";
import { SignatureFormatError } from "@/lib/verify/signature-format-error";

/**
 * The embedded code signature (Apple's cs_blobs.h): a SuperBlob indexing
 * typed blobs. Every multi-byte field is big-endian. Parsing checks every
 * offset and length against the bytes actually there; serialising writes the
 * same layout codesign writes, so a re-signer can build signatures from these.
 */

export const CSMAGIC = {
  REQUIREMENT: 0xfade0c00,
  REQUIREMENTS: 0xfade0c01,
  CODEDIRECTORY: 0xfade0c02,
  EMBEDDED_SIGNATURE: 0xfade0cc0,
  DETACHED_SIGNATURE: 0xfade0cc1,
  BLOBWRAPPER: 0xfade0b01,
  EMBEDDED_ENTITLEMENTS: 0xfade7171,
  EMBEDDED_DER_ENTITLEMENTS: 0xfade7172,
} as const;

export const CSSLOT = {
  CODEDIRECTORY: 0,
  INFOSLOT: 1,
  REQUIREMENTS: 2,
  RESOURCEDIR: 3,
  APPLICATION: 4,
  ENTITLEMENTS: 5,
  DER_ENTITLEMENTS: 7,
  ALTERNATE_CODEDIRECTORIES: 0x1000,
  ALTERNATE_CODEDIRECTORY_MAX: 5,
  SIGNATURESLOT: 0x10000,
} as const;

/** CodeDirectory hash types: the digest and its length in the directory. */
export const HASH_TYPES = {
  1: { name: "sha1", size: 20, algorithm: "sha1", truncate: 20 },
  2: { name: "sha256", size: 32, algorithm: "sha256", truncate: 32 },
  3: { name: "sha256-truncated", size: 20, algorithm: "sha256", truncate: 20 },
  4: { name: "sha384", size: 48, algorithm: "sha384", truncate: 48 },
} as const;

export type HashType = keyof typeof HASH_TYPES;

export function isHashType(value: number): value is HashType {
  return value in HASH_TYPES;
}

/** The directory's digest of `data` (truncated as its hash type says). */
export function digestFor(hashType: HashType, data: Uint8Array): Buffer {
  const spec = HASH_TYPES[hashType];
  return createHash(spec.algorithm).update(data).digest().subarray(0, spec.truncate);
}

// A real signature holds at most ~10 blobs (directory, requirements, two entitlements, 5 alternates, CMS).
const MAX_BLOBS = 64;
// Special slots are numbered up to 7 today; Apple's own limit is in the tens.
const MAX_SPECIAL_SLOTS = 64;

export interface BlobEntry {
  type: number;
  magic: number;
  /** The whole blob, header included. */
  data: Buffer;
}

/** Parses an embedded-signature SuperBlob. Blobs must lie inside it, after its index, without overlapping. */
export function parseSuperBlob(bytes: Buffer): BlobEntry[] {
  if (bytes.length < 12) throw new SignatureFormatError("truncated", "The code signature is shorter than its header.");
  const magic = bytes.readUInt32BE(0);
  if (magic !== CSMAGIC.EMBEDDED_SIGNATURE && magic !== CSMAGIC.DETACHED_SIGNATURE) {
    throw new SignatureFormatError(
      "bad_magic",
      `The code signature has magic 0x${magic.toString(16)}, not a SuperBlob.`,
    );
  }
  const length = bytes.readUInt32BE(4);
  const count = bytes.readUInt32BE(8);
  if (length < 12 || length > bytes.length) {
    throw new SignatureFormatError(
      "truncated",
      `The code signature declares ${length} bytes but ${bytes.length} are there.`,
    );
  }
  if (count > MAX_BLOBS || 12 + count * 8 > length) {
    throw new SignatureFormatError("too_many_entries", `The code signature's index lists ${count} blobs.`);
  }
  const indexEnd = 12 + count * 8;
  const blobs: BlobEntry[] = [];
  const ranges: Array<[number, number]> = [];
  const types = new Set<number>();
  for (let i = 0; i < count; i++) {
    const type = bytes.readUInt32BE(12 + i * 8);
    const offset = bytes.readUInt32BE(16 + i * 8);
    if (types.has(type)) throw new SignatureFormatError("duplicate_slot", `Slot 0x${type.toString(16)} appears twice.`);
    types.add(type);
    if (offset < indexEnd || offset + 8 > length) {
      throw new SignatureFormatError(
        "blob_out_of_bounds",
        `Blob ${i} (slot 0x${type.toString(16)}) starts at ${offset}, outside the signature's ${length} bytes after its index.`,
      );
    }
    const blobLength = bytes.readUInt32BE(offset + 4);
    if (blobLength < 8 || offset + blobLength > length) {
      throw new SignatureFormatError(
        "blob_out_of_bounds",
        `Blob ${i} (slot 0x${type.toString(16)}) claims ${blobLength} bytes from ${offset}, past the signature's end.`,
      );
    }
    const end = offset + blobLength;
    if (ranges.some(([s, e]) => offset < e && s < end)) {
      throw new SignatureFormatError("overlapping_blobs", `Blob ${i} (slot 0x${type.toString(16)}) overlaps another.`);
    }
    ranges.push([offset, end]);
    blobs.push({ type, magic: bytes.readUInt32BE(offset), data: bytes.subarray(offset, end) });
  }
  return blobs;
}

/**
 * Writes a SuperBlob: index in the given order, blobs packed after it in the
 * same order. `magic` picks the kind: an embedded signature (default) or a
 * requirements set (0xfade0c01), which share this layout.
 */
export function serializeSuperBlob(
  blobs: ReadonlyArray<{ type: number; data: Buffer }>,
  magic: number = CSMAGIC.EMBEDDED_SIGNATURE,
): Buffer {
  const header = Buffer.alloc(12 + blobs.length * 8);
  let offset = header.length;
  blobs.forEach((blob, i) => {
    header.writeUInt32BE(blob.type, 12 + i * 8);
    header.writeUInt32BE(offset, 16 + i * 8);
    offset += blob.data.length;
  });
  header.writeUInt32BE(magic, 0);
  header.writeUInt32BE(offset, 4);
  header.writeUInt32BE(blobs.length, 8);
  return Buffer.concat([header, ...blobs.map((b) => b.data)]);
}

/** A generic blob: magic, length, payload. */
export function wrapBlob(magic: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(magic, 0);
  header.writeUInt32BE(payload.length + 8, 4);
  return Buffer.concat([header, payload]);
}

/** The fields of a CodeDirectory that say what is signed: what serializeCodeDirectory writes. */
interface CodeDirectoryFields {
  version: number;
  flags: number;
  hashType: HashType;
  platform: number;
  /** log2 of the page size; 0 means the whole code limit is one page. */
  pageSizeLog2: number;
  /** The code limit (codeLimit64 when set, else codeLimit). */
  codeLimit: number;
  identifier: string;
  teamId: string | null;
  /** Special slot hashes; index 0 is slot -1 (Info.plist), index 6 is slot -7. Their count is nSpecialSlots. */
  specialSlots: Buffer[];
  codeSlots: Buffer[];
  execSegBase: bigint;
  execSegLimit: bigint;
  execSegFlags: bigint;
  runtime: number;
}

/** A parsed CodeDirectory: its fields, what only a read one has, and its exact bytes. */
export interface CodeDirectory extends CodeDirectoryFields {
  hashSize: number;
  scatterOffset: number;
  preEncryptOffset: number;
  linkage: { hashType: number; applicationType: number; applicationSubType: number; offset: number; size: number };
  /** The directory's exact bytes (what the cdhash and the CMS signature cover). */
  raw: Buffer;
}

export const CD_VERSION = {
  SCATTER: 0x20100,
  TEAMID: 0x20200,
  CODELIMIT64: 0x20300,
  EXECSEG: 0x20400,
  RUNTIME: 0x20500,
  LINKAGE: 0x20600,
} as const;

function headerSizeFor(version: number): number {
  if (version >= CD_VERSION.LINKAGE) return 108;
  if (version >= CD_VERSION.RUNTIME) return 96;
  if (version >= CD_VERSION.EXECSEG) return 88;
  if (version >= CD_VERSION.CODELIMIT64) return 64;
  if (version >= CD_VERSION.TEAMID) return 52;
  if (version >= CD_VERSION.SCATTER) return 48;
  return 44;
}

function readCString(bytes: Buffer, offset: number, what: string): string {
  if (offset >= bytes.length)
    throw new SignatureFormatError("bad_code_directory", `The ${what} offset is out of range.`);
  const end = bytes.indexOf(0, offset);
  if (end < 0) throw new SignatureFormatError("bad_code_directory", `The ${what} is not terminated.`);
  return bytes.toString("utf8", offset, end);
}

/**
 * Parses a CodeDirectory blob. `maxCodeLimit` (the image's signature offset)
 * bounds the code limit, so a directory cannot make Ferry hash past the image.
 */
export function parseCodeDirectory(blob: Buffer, maxCodeLimit = Number.MAX_SAFE_INTEGER): CodeDirectory {
  if (blob.length < 44) throw new SignatureFormatError("truncated", "The CodeDirectory is shorter than its header.");
  if (blob.readUInt32BE(0) !== CSMAGIC.CODEDIRECTORY) {
    throw new SignatureFormatError("bad_magic", "The CodeDirectory slot does not hold a CodeDirectory.");
  }
  const length = blob.readUInt32BE(4);
  if (length !== blob.length) throw new SignatureFormatError("truncated", "The CodeDirectory length is inconsistent.");
  const version = blob.readUInt32BE(8);
  const headerSize = headerSizeFor(version);
  if (length < headerSize) {
    throw new SignatureFormatError("truncated", `The version 0x${version.toString(16)} CodeDirectory is too short.`);
  }
  const flags = blob.readUInt32BE(12);
  const hashOffset = blob.readUInt32BE(16);
  const identOffset = blob.readUInt32BE(20);
  const nSpecialSlots = blob.readUInt32BE(24);
  const nCodeSlots = blob.readUInt32BE(28);
  const codeLimit32 = blob.readUInt32BE(32);
  const hashSize = blob.readUInt8(36);
  const hashTypeValue = blob.readUInt8(37);
  const platform = blob.readUInt8(38);
  const pageSizeLog2 = blob.readUInt8(39);
  if (!isHashType(hashTypeValue)) {
    throw new SignatureFormatError("unsupported_hash_type", `Unknown CodeDirectory hash type ${hashTypeValue}.`);
  }
  if (hashSize !== HASH_TYPES[hashTypeValue].size) {
    throw new SignatureFormatError(
      "bad_code_directory",
      `Hash size ${hashSize} does not match hash type ${hashTypeValue}.`,
    );
  }
  if (pageSizeLog2 !== 0 && (pageSizeLog2 < 9 || pageSizeLog2 > 16)) {
    throw new SignatureFormatError("bad_code_directory", `Page size 2^${pageSizeLog2} is not a real page size.`);
  }
  if (nSpecialSlots > MAX_SPECIAL_SLOTS) {
    throw new SignatureFormatError("absurd_page_count", `The CodeDirectory claims ${nSpecialSlots} special slots.`);
  }
  // The hashes must fit in the blob: this bounds every later loop by the blob's real size.
  if (
    hashOffset > length ||
    nCodeSlots > (length - hashOffset) / hashSize ||
    hashOffset < headerSize + nSpecialSlots * hashSize
  ) {
    throw new SignatureFormatError(
      "absurd_page_count",
      `The CodeDirectory claims ${nCodeSlots} page hashes and ${nSpecialSlots} special slots, more than its ${length} bytes hold.`,
    );
  }
  const scatterOffset = version >= CD_VERSION.SCATTER ? blob.readUInt32BE(44) : 0;
  const teamOffset = version >= CD_VERSION.TEAMID ? blob.readUInt32BE(48) : 0;
  const codeLimit64 = version >= CD_VERSION.CODELIMIT64 ? blob.readBigUInt64BE(56) : 0n;
  const codeLimitBig = codeLimit64 !== 0n ? codeLimit64 : BigInt(codeLimit32);
  if (codeLimitBig > BigInt(maxCodeLimit)) {
    throw new SignatureFormatError(
      "code_limit_out_of_bounds",
      `The CodeDirectory's code limit (${codeLimitBig} bytes) runs past the signed image (${maxCodeLimit} bytes).`,
    );
  }
  const codeLimit = Number(codeLimitBig);
  const expectedSlots = pageSizeLog2 === 0 ? (codeLimit > 0 ? 1 : 0) : Math.ceil(codeLimit / 2 ** pageSizeLog2);
  if (nCodeSlots !== expectedSlots) {
    throw new SignatureFormatError(
      "absurd_page_count",
      `The CodeDirectory holds ${nCodeSlots} page hashes for a code limit of ${codeLimit} bytes (${expectedSlots} pages).`,
    );
  }
  const identifier = readCString(blob, identOffset, "identifier");
  const teamId = teamOffset ? readCString(blob, teamOffset, "team identifier") : null;
  const specialSlots: Buffer[] = [];
  for (let slot = 1; slot <= nSpecialSlots; slot++) {
    const at = hashOffset - slot * hashSize;
    specialSlots.push(blob.subarray(at, at + hashSize));
  }
  const codeSlots: Buffer[] = [];
  for (let i = 0; i < nCodeSlots; i++) {
    const at = hashOffset + i * hashSize;
    codeSlots.push(blob.subarray(at, at + hashSize));
  }
  const has = (v: number) => version >= v;
  return {
    version,
    flags,
    hashType: hashTypeValue,
    hashSize,
    platform,
    pageSizeLog2,
    codeLimit,
    identifier,
    teamId,
    specialSlots,
    codeSlots,
    scatterOffset,
    execSegBase: has(CD_VERSION.EXECSEG) ? blob.readBigUInt64BE(64) : 0n,
    execSegLimit: has(CD_VERSION.EXECSEG) ? blob.readBigUInt64BE(72) : 0n,
    execSegFlags: has(CD_VERSION.EXECSEG) ? blob.readBigUInt64BE(80) : 0n,
    runtime: has(CD_VERSION.RUNTIME) ? blob.readUInt32BE(88) : 0,
    preEncryptOffset: has(CD_VERSION.RUNTIME) ? blob.readUInt32BE(92) : 0,
    linkage: has(CD_VERSION.LINKAGE)
      ? {
          hashType: blob.readUInt8(96),
          applicationType: blob.readUInt8(97),
          applicationSubType: blob.readUInt16BE(98),
          offset: blob.readUInt32BE(100),
          size: blob.readUInt32BE(104),
        }
      : { hashType: 0, applicationType: 0, applicationSubType: 0, offset: 0, size: 0 },
    raw: blob,
  };
}

/** What serializeCodeDirectory needs: a CodeDirectory's fields, the version-dependent ones optional. */
export type CodeDirectoryInput = Omit<
  CodeDirectoryFields,
  "execSegBase" | "execSegLimit" | "execSegFlags" | "runtime"
> &
  Partial<Pick<CodeDirectoryFields, "execSegBase" | "execSegLimit" | "execSegFlags" | "runtime">>;

/**
 * Writes a CodeDirectory the way codesign lays it out: fixed header for the
 * version, identifier, team identifier, special slots (highest first), then
 * the page hashes. Scatter vectors and pre-encryption hashes are not written
 * (iOS apps use neither).
 */
export function serializeCodeDirectory(input: CodeDirectoryInput): Buffer {
  const { hashType, version } = input;
  const hashSize = HASH_TYPES[hashType].size;
  const headerSize = headerSizeFor(version);
  const ident = Buffer.from(`${input.identifier}\0`, "utf8");
  const team = input.teamId !== null && version >= CD_VERSION.TEAMID ? Buffer.from(`${input.teamId}\0`, "utf8") : null;
  const identOffset = headerSize;
  const teamOffset = team ? identOffset + ident.length : 0;
  const specialStart = identOffset + ident.length + (team?.length ?? 0);
  const nSpecial = input.specialSlots.length;
  const hashOffset = specialStart + nSpecial * hashSize;
  const length = hashOffset + input.codeSlots.length * hashSize;
  const out = Buffer.alloc(length);
  const useLimit64 = input.codeLimit > 0xffffffff;
  out.writeUInt32BE(CSMAGIC.CODEDIRECTORY, 0);
  out.writeUInt32BE(length, 4);
  out.writeUInt32BE(version, 8);
  out.writeUInt32BE(input.flags >>> 0, 12);
  out.writeUInt32BE(hashOffset, 16);
  out.writeUInt32BE(identOffset, 20);
  out.writeUInt32BE(nSpecial, 24);
  out.writeUInt32BE(input.codeSlots.length, 28);
  out.writeUInt32BE(useLimit64 ? 0 : input.codeLimit, 32);
  out.writeUInt8(hashSize, 36);
  out.writeUInt8(hashType, 37);
  out.writeUInt8(input.platform, 38);
  out.writeUInt8(input.pageSizeLog2, 39);
  if (version >= CD_VERSION.TEAMID) out.writeUInt32BE(teamOffset, 48);
  if (version >= CD_VERSION.CODELIMIT64) out.writeBigUInt64BE(useLimit64 ? BigInt(input.codeLimit) : 0n, 56);
  if (version >= CD_VERSION.EXECSEG) {
    out.writeBigUInt64BE(input.execSegBase ?? 0n, 64);
    out.writeBigUInt64BE(input.execSegLimit ?? 0n, 72);
    out.writeBigUInt64BE(input.execSegFlags ?? 0n, 80);
  }
  if (version >= CD_VERSION.RUNTIME) out.writeUInt32BE(input.runtime ?? 0, 88);
  ident.copy(out, identOffset);
  team?.copy(out, teamOffset);
  input.specialSlots.forEach((hash, i) => {
    hash.copy(out, hashOffset - (i + 1) * hashSize);
  });
  input.codeSlots.forEach((hash, i) => {
    hash.copy(out, hashOffset + i * hashSize);
  });
  return out;
}

/** The cdhash: the directory's own digest, truncated to 20 bytes (what iOS and CodeResources name it by). */
export function cdhashOf(cd: Pick<CodeDirectory, "hashType" | "raw">): Buffer {
  return digestFor(cd.hashType, cd.raw).subarray(0, 20);
}

/** The blobs of a parsed signature by role, each CodeDirectory parsed. */
export interface EmbeddedSignature {
  /** Slot 0 first, then the alternates in slot order. */
  codeDirectories: Array<{ slot: number; cd: CodeDirectory }>;
  requirements: Buffer | null;
  entitlements: Buffer | null;
  derEntitlements: Buffer | null;
  /** Slot 4 (rare; an empty wrapper in some older signatures). */
  application: Buffer | null;
  /** The CMS bytes inside the BLOBWRAPPER at slot 0x10000 (empty for ad-hoc signatures), or null. */
  cms: Buffer | null;
  /** Every blob, in index order (for special slots Ferry does not know). */
  blobs: BlobEntry[];
}

export function parseEmbeddedSignature(bytes: Buffer, maxCodeLimit: number): EmbeddedSignature {
  const blobs = parseSuperBlob(bytes);
  const bySlot = (slot: number) => blobs.find((b) => b.type === slot) ?? null;
  const codeDirectories: EmbeddedSignature["codeDirectories"] = [];
  for (const blob of blobs) {
    const isCd =
      blob.type === CSSLOT.CODEDIRECTORY ||
      (blob.type >= CSSLOT.ALTERNATE_CODEDIRECTORIES &&
        blob.type < CSSLOT.ALTERNATE_CODEDIRECTORIES + CSSLOT.ALTERNATE_CODEDIRECTORY_MAX);
    if (isCd) codeDirectories.push({ slot: blob.type, cd: parseCodeDirectory(blob.data, maxCodeLimit) });
  }
  codeDirectories.sort((a, b) => a.slot - b.slot);
  if (codeDirectories[0]?.slot !== CSSLOT.CODEDIRECTORY) {
    throw new SignatureFormatError("bad_code_directory", "The code signature has no CodeDirectory in slot 0.");
  }
  const expectMagic = (slot: number, magic: number): Buffer | null => {
    const blob = bySlot(slot);
    if (!blob) return null;
    if (blob.magic !== magic) {
      throw new SignatureFormatError("bad_magic", `Slot ${slot} holds magic 0x${blob.magic.toString(16)}.`);
    }
    return blob.data;
  };
  const wrapper = expectMagic(CSSLOT.SIGNATURESLOT, CSMAGIC.BLOBWRAPPER);
  return {
    codeDirectories,
    requirements: expectMagic(CSSLOT.REQUIREMENTS, CSMAGIC.REQUIREMENTS),
    entitlements: expectMagic(CSSLOT.ENTITLEMENTS, CSMAGIC.EMBEDDED_ENTITLEMENTS),
    derEntitlements: expectMagic(CSSLOT.DER_ENTITLEMENTS, CSMAGIC.EMBEDDED_DER_ENTITLEMENTS),
    application: bySlot(CSSLOT.APPLICATION)?.data ?? null,
    cms: wrapper ? wrapper.subarray(8) : null,
    blobs,
  };
}
