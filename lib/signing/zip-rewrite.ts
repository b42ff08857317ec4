import { createReadStream, createWriteStream } from "node:fs";
import { type FileHandle, open, stat } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { crc32, createDeflateRaw } from "node:zlib";
import { SigningError } from "@/lib/signing/signing-error";

/**
 * Writes a copy of a zip archive in which some entries get new contents:
 * every other entry's local header and compressed bytes are copied as they
 * are (never inflated), each central directory record is kept but for its
 * offset, so the archive changes only where re-signing changed it. Replaced
 * entries are deflated from a file, streamed. Zip64 archives (over 4 GB or
 * 65 535 entries) are refused for now.
 */

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const DESCRIPTOR_SIGNATURE = 0x08074b50;
const FLAG_DATA_DESCRIPTOR = 0x8;
const FLAG_UTF8 = 0x800;
const COPY_CHUNK = 1024 * 1024;

interface CentralRecord {
  name: string;
  record: Buffer;
  flags: number;
  compressedSize: number;
  localOffset: number;
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  if (bytesRead !== length) throw new SigningError("unsupported_archive", "The archive ends early.");
  return buffer;
}

async function readCentralDirectory(
  handle: FileHandle,
  size: number,
): Promise<{ records: CentralRecord[]; comment: Buffer }> {
  const tailLength = Math.min(size, 22 + 0xffff);
  const tail = await readAt(handle, size - tailLength, tailLength);
  let eocd = -1;
  for (let at = tail.length - 22; at >= 0; at--) {
    if (tail.readUInt32LE(at) === EOCD_SIGNATURE) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw new SigningError("unsupported_archive", "The archive has no end of central directory.");
  const count = tail.readUInt16LE(eocd + 10);
  const cdSize = tail.readUInt32LE(eocd + 12);
  const cdOffset = tail.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    throw new SigningError("unsupported_archive", "Zip64 archives cannot be re-signed yet.");
  }
  const comment = tail.subarray(eocd + 22, eocd + 22 + tail.readUInt16LE(eocd + 20));
  const cd = await readAt(handle, cdOffset, cdSize);
  const records: CentralRecord[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (cd.readUInt32LE(at) !== CENTRAL_SIGNATURE) {
      throw new SigningError("unsupported_archive", "The central directory is corrupt.");
    }
    const length = 46 + cd.readUInt16LE(at + 28) + cd.readUInt16LE(at + 30) + cd.readUInt16LE(at + 32);
    const record = cd.subarray(at, at + length);
    const compressedSize = record.readUInt32LE(20);
    if (compressedSize === 0xffffffff || record.readUInt32LE(42) === 0xffffffff) {
      throw new SigningError("unsupported_archive", "Zip64 archives cannot be re-signed yet.");
    }
    records.push({
      name: record.toString("utf8", 46, 46 + record.readUInt16LE(28)),
      record,
      flags: record.readUInt16LE(8),
      compressedSize,
      localOffset: record.readUInt32LE(42),
    });
    at += length;
  }
  return { records, comment };
}

/** Deflates `file` into `deflatedPath`; returns its CRC-32 and sizes. */
async function deflateFile(
  file: string,
  deflatedPath: string,
): Promise<{ crc: number; size: number; compressed: number }> {
  let crc = 0;
  let size = 0;
  const source = createReadStream(file);
  source.on("data", (chunk) => {
    crc = crc32(chunk as Buffer, crc);
    size += (chunk as Buffer).length;
  });
  await pipeline(source, createDeflateRaw(), createWriteStream(deflatedPath));
  return { crc, size, compressed: (await stat(deflatedPath)).size };
}

/**
 * Copies `inputPath` to `outputPath`, entries named in `replacements` (name →
 * file holding the new bytes) deflated afresh. `tempFile` names scratch files.
 */
export async function rewriteZip(
  inputPath: string,
  outputPath: string,
  replacements: ReadonlyMap<string, string>,
  tempFile: (name: string) => string,
): Promise<void> {
  const input = await open(inputPath, "r");
  const output = await open(outputPath, "w");
  try {
    const { size } = await input.stat();
    const { records, comment } = await readCentralDirectory(input, size);
    let position = 0;
    const write = async (bytes: Buffer) => {
      let done = 0;
      while (done < bytes.length) {
        done += (await output.write(bytes, done, bytes.length - done, position + done)).bytesWritten;
      }
      position += bytes.length;
    };
    const copy = async (from: FileHandle, start: number, length: number) => {
      for (let at = 0; at < length; at += COPY_CHUNK)
        await write(await readAt(from, start + at, Math.min(COPY_CHUNK, length - at)));
    };
    const central: Buffer[] = [];
    // Names not in the archive are added at its end, as regular files (mode 0644, made on Unix).
    const known = new Set(records.map((r) => r.name));
    const added = [...replacements.keys()].filter((name) => !known.has(name)).sort();
    for (const name of added) {
      const record = Buffer.alloc(46 + Buffer.byteLength(name));
      record.writeUInt32LE(CENTRAL_SIGNATURE, 0);
      record.writeUInt16LE(0x031e, 4);
      record.writeUInt16LE(FLAG_UTF8, 8);
      record.writeUInt16LE(0x21, 14); // 1980-01-01
      record.writeUInt16LE(Buffer.byteLength(name), 28);
      record.writeUInt32LE((0o100644 << 16) >>> 0, 38);
      record.write(name, 46, "utf8");
      records.push({ name, record, flags: FLAG_UTF8, compressedSize: 0, localOffset: 0 });
    }
    for (const entry of records) {
      const offset = position;
      const replacement = replacements.get(entry.name);
      if (!replacement) {
        const local = await readAt(input, entry.localOffset, 30);
        if (local.readUInt32LE(0) !== LOCAL_SIGNATURE)
          throw new SigningError("unsupported_archive", `${entry.name}: bad local header.`);
        let length = 30 + local.readUInt16LE(26) + local.readUInt16LE(28) + entry.compressedSize;
        if (entry.flags & FLAG_DATA_DESCRIPTOR) {
          const first = (await readAt(input, entry.localOffset + length, 4)).readUInt32LE(0);
          length += first === DESCRIPTOR_SIGNATURE ? 16 : 12;
        }
        await copy(input, entry.localOffset, length);
        const record = Buffer.from(entry.record);
        record.writeUInt32LE(offset, 42);
        central.push(record);
        continue;
      }
      const deflated = tempFile(`${central.length}.deflated`);
      const { crc, size: rawSize, compressed } = await deflateFile(replacement, deflated);
      if (rawSize > 0xfffffffe || compressed > 0xfffffffe) {
        throw new SigningError("unsupported_archive", `${entry.name} would need zip64.`);
      }
      const name = Buffer.from(entry.name, "utf8");
      const flags = entry.flags & FLAG_UTF8;
      const time = entry.record.readUInt16LE(12);
      const date = entry.record.readUInt16LE(14);
      const local = Buffer.alloc(30);
      local.writeUInt32LE(LOCAL_SIGNATURE, 0);
      local.writeUInt16LE(20, 4);
      local.writeUInt16LE(flags, 6);
      local.writeUInt16LE(8, 8);
      local.writeUInt16LE(time, 10);
      local.writeUInt16LE(date, 12);
      local.writeUInt32LE(crc >>> 0, 14);
      local.writeUInt32LE(compressed, 18);
      local.writeUInt32LE(rawSize, 22);
      local.writeUInt16LE(name.length, 26);
      await write(Buffer.concat([local, name]));
      const handle = await open(deflated, "r");
      try {
        await copy(handle, 0, compressed);
      } finally {
        await handle.close();
      }
      // The central record keeps who made it and the file mode (external attributes); extra fields are dropped.
      const record = Buffer.alloc(46);
      entry.record.copy(record, 0, 0, 46);
      record.writeUInt16LE(20, 6);
      record.writeUInt16LE(flags, 8);
      record.writeUInt16LE(8, 10);
      record.writeUInt32LE(crc >>> 0, 16);
      record.writeUInt32LE(compressed, 20);
      record.writeUInt32LE(rawSize, 24);
      record.writeUInt16LE(0, 30);
      record.writeUInt16LE(0, 32);
      record.writeUInt32LE(offset, 42);
      central.push(Buffer.concat([record, name]));
    }
    const cdOffset = position;
    const cd = Buffer.concat(central);
    await write(cd);
    const eocd = Buffer.alloc(22);
    eocd.writeUInt32LE(EOCD_SIGNATURE, 0);
    eocd.writeUInt16LE(records.length, 8);
    eocd.writeUInt16LE(records.length, 10);
    eocd.writeUInt32LE(cd.length, 12);
    eocd.writeUInt32LE(cdOffset, 16);
    eocd.writeUInt16LE(comment.length, 20);
    await write(Buffer.concat([eocd, comment]));
  } finally {
    await output.close();
    await input.close();
  }
}
