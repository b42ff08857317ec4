/**
 * Random-access zip reading for uploaded .ipa files.
 *
 * Only the central directory and the entries we ask for are read, so the cost
 * depends on the number of entries and the size of what we extract, never on
 * the archive's size (a 2 GB .ipa is opened as cheaply as a 2 MB one).
 * Every failure caused by the file itself becomes an AppError with a specific
 * code; the file handle is always closed.
 */
import { type FileHandle, open as openFile } from "node:fs/promises";
import { PassThrough, Readable } from "node:stream";
import yauzl from "yauzl";
import { AppError } from "@/lib/errors";
import { formatBytes } from "@/lib/ui/format";

export interface ZipEntryInfo {
  /** Path inside the archive, "/"-separated (backslashes are normalised). */
  name: string;
  compressedSize: number;
  uncompressedSize: number;
  isDirectory: boolean;
  /** A Unix symbolic link (its content is the link target, not file data). */
  isSymlink: boolean;
}

export interface ZipReader {
  readonly fileSize: number;
  readonly entries: readonly ZipEntryInfo[];
  /** The entry named exactly `name`, or undefined. */
  getEntry(name: string): ZipEntryInfo | undefined;
  /** Whether `readEntry` can read `name` (it exists and matched the `readable` option). */
  canRead(name: string): boolean;
  /**
   * Inflates one entry into memory, refusing (archive_too_complex) if its
   * declared size exceeds `maxBytes` and (unsafe_archive) if it actually
   * inflates to more than it declared.
   */
  readEntry(name: string, maxBytes: number): Promise<Buffer>;
  /**
   * Streams one entry's inflated bytes (for entries too large to hold, such as
   * binaries being hashed page by page). yauzl checks the sizes as it goes;
   * zip errors come out of the stream as the same AppErrors as `readEntry`'s.
   */
  openEntryStream(name: string): Promise<Readable>;
  close(): Promise<void>;
}

export interface OpenZipOptions {
  /** Refuse archives whose central directory lists more entries (default DEFAULT_MAX_ENTRIES). */
  maxEntries?: number;
  /**
   * Entries that `readEntry` may read (default: all). Only for these is yauzl's
   * record kept; the others cost a small ZipEntryInfo each.
   */
  readable?: (name: string) => boolean;
}

/**
 * Real apps have tens to a few thousand entries (the fixtures: at most 50; large
 * apps with many localised resources: ~20 000); past 65 535 the archive needs
 * zip64 records, which are read, and such builds are accepted up to this bound.
 * Checked against the count the end record declares, before any entry is
 * read, so it bounds time and memory.
 */
export const DEFAULT_MAX_ENTRIES = 100_000;
// Smallest possible central-directory record: lets us refuse absurd entry counts up front.
const MIN_CENTRAL_RECORD_SIZE = 46;
const READ_AHEAD_BYTES = 64 * 1024;

/**
 * yauzl reader over a FileHandle with a small read-ahead window: yauzl reads the
 * central directory in tiny pieces (46 bytes, then the name), and one syscall per
 * piece made listing 100k entries take seconds. We own the handle, so closing is
 * deterministic and independent of yauzl's reference counting.
 */
class FileHandleReader extends yauzl.RandomAccessReader {
  private window: Buffer = Buffer.alloc(0);
  private windowStart = 0;

  constructor(
    private readonly handle: FileHandle,
    private readonly size: number,
  ) {
    super();
  }

  _readStreamForRange(start: number, end: number): Readable {
    // Our own stream over positional reads: FileHandle.createReadStream closes the
    // shared handle when the stream is destroyed, which would break later reads.
    const handle = this.handle;
    let position = start;
    return new Readable({
      highWaterMark: READ_AHEAD_BYTES,
      read(size) {
        const length = Math.min(size, READ_AHEAD_BYTES, end - position);
        if (length <= 0) {
          this.push(null);
          return;
        }
        const chunk = Buffer.allocUnsafe(length);
        handle.read(chunk, 0, length, position).then(
          ({ bytesRead }) => {
            position += bytesRead;
            // A short read means the file ended early; yauzl's byte counter reports it.
            this.push(bytesRead > 0 ? chunk.subarray(0, bytesRead) : null);
          },
          (err: unknown) => this.destroy(toError(err)),
        );
      },
    });
  }

  read(
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
    callback: (err: Error | null, bytesRead?: number) => void,
  ): void {
    const inWindow = position >= this.windowStart && position + length <= this.windowStart + this.window.length;
    if (inWindow) {
      const from = position - this.windowStart;
      this.window.copy(buffer, offset, from, from + length);
      setImmediate(() => callback(null, length));
      return;
    }
    if (length >= READ_AHEAD_BYTES || position >= this.size) {
      this.handle.read(buffer, offset, length, position).then(
        ({ bytesRead }) => callback(null, bytesRead),
        (err: unknown) => callback(toError(err)),
      );
      return;
    }
    const chunk = Buffer.allocUnsafe(Math.min(READ_AHEAD_BYTES, this.size - position));
    this.handle.read(chunk, 0, chunk.length, position).then(
      ({ bytesRead }) => {
        this.window = chunk.subarray(0, bytesRead);
        this.windowStart = position;
        const n = Math.max(0, Math.min(length, bytesRead));
        this.window.copy(buffer, offset, 0, n);
        callback(null, n);
      },
      (err: unknown) => callback(toError(err)),
    );
  }

  close(callback: (err: Error | null) => void): void {
    // The handle is closed by ZipReader.close(), which also runs on every error path.
    setImmediate(() => callback(null));
  }
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** Errors from the operating system (EIO, EMFILE...) are our problem, not the upload's. */
function isSystemError(err: unknown): boolean {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).syscall === "string";
}

const TRUNCATED_MESSAGE =
  "The archive is incomplete: it starts like a zip file but its end is cut off, so the list of files it contains is missing or points past the end of the file. The upload or copy was probably interrupted: upload the complete .ipa again.";

/**
 * Turns a yauzl or zlib error into an AppError. `entryName` names the entry being
 * read, if any, so the message can say which file is damaged.
 */
function mapZipError(err: unknown, entryName?: string): unknown {
  // yauzl and zlib throw plain Errors; anything else (TypeError, AppError, EIO...) passes through.
  if (!(err instanceof Error) || err.constructor !== Error || isSystemError(err)) return err;
  const msg = err.message;
  const what = entryName ? `"${entryName}"` : "an entry";
  const zlibCode = (err as NodeJS.ErrnoException).code;
  if (typeof zlibCode === "string" && zlibCode.startsWith("Z_")) {
    return new AppError(
      "corrupt_archive",
      `The archive is damaged: the compressed data of ${what} cannot be decompressed. Re-export the .ipa and upload it again.`,
      { cause: err },
    );
  }
  if (msg.startsWith("unexpected EOF") || msg.startsWith("file data overflows file bounds")) {
    return new AppError("truncated_archive", TRUNCATED_MESSAGE, { cause: err });
  }
  if (msg.startsWith("too many bytes in the stream")) {
    return new AppError(
      "unsafe_archive",
      `The archive is malformed or hostile: ${what} decompresses to more data than its header declares. Ferry refuses such archives.`,
      { cause: err },
    );
  }
  if (msg.startsWith("not enough bytes in the stream")) {
    return new AppError(
      "corrupt_archive",
      `The archive is damaged: ${what} decompresses to less data than its header declares. Re-export the .ipa and upload it again.`,
      { cause: err },
    );
  }
  if (msg.startsWith("multi-disk")) {
    return new AppError(
      "corrupt_archive",
      "The archive is a split (multi-part) zip, which Ferry does not support. Create a single .ipa file instead.",
      { cause: err },
    );
  }
  if (msg.startsWith("Invalid comment length")) {
    return new AppError(
      "corrupt_archive",
      "The archive is damaged: its end-of-archive record is inconsistent (often extra bytes were appended after the zip data). Re-export the .ipa and upload it again.",
      { cause: err },
    );
  }
  if (msg.includes("encrypt")) {
    return new AppError(
      "corrupt_archive",
      "The archive is encrypted (password-protected); Ferry can only read ordinary zip archives. Export the .ipa again without a password.",
      { cause: err },
    );
  }
  if (msg.startsWith("unsupported compression method")) {
    return new AppError(
      "corrupt_archive",
      `The archive stores ${what} with a compression method Ferry cannot read (${msg.replace("unsupported compression method: ", "method ")}). Re-create it with standard zip deflate compression (zip -r MyApp.ipa Payload).`,
      { cause: err },
    );
  }
  return new AppError(
    "corrupt_archive",
    `The archive is damaged and cannot be read as a zip file (${msg}). Re-export the .ipa and upload it again.`,
    { cause: err },
  );
}

/** Why a name is unsafe to use as a path, or null. Names are checked by us, not yauzl. */
export function unsafeNameReason(name: string): string | null {
  if (name.includes("\0")) return "contains a NUL character";
  if (name.startsWith("/") || /^[a-zA-Z]:/.test(name)) return "is an absolute path";
  if (name.split("/").includes("..")) return 'contains a ".." path segment that points outside the archive';
  return null;
}

/** Printable, bounded form of an attacker-controlled name for error messages. */
export function describeName(name: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: we are stripping them on purpose
  const printable = name.replace(/[\u0000-\u001f\u007f]/g, "?");
  return printable.length > 200 ? `${printable.slice(0, 200)}…` : printable;
}

async function startsLikeZip(handle: FileHandle, size: number): Promise<boolean> {
  if (size < 4) return false;
  const head = Buffer.alloc(4);
  await handle.read(head, 0, 4, 0);
  // Local file header, or the "spanned" marker some tools write first.
  return head.readUInt32LE(0) === 0x04034b50 || head.readUInt32LE(0) === 0x08074b50;
}

function openYauzl(reader: FileHandleReader, size: number): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.fromRandomAccessReader(
      reader,
      size,
      {
        lazyEntries: true,
        autoClose: false,
        validateEntrySizes: true,
        strictFileNames: false,
        // We decode names ourselves so that unsafe names are our AppError, not a yauzl error.
        decodeStrings: false,
      },
      (err, zipfile) => (err ? reject(err) : resolve(zipfile)),
    );
  });
}

interface Listing {
  entries: ZipEntryInfo[];
  byName: Map<string, ZipEntryInfo>;
  /** yauzl's records, only for the entries the caller may read. */
  readable: Map<string, yauzl.Entry>;
}

function listEntries(zipfile: yauzl.ZipFile, keep: (name: string) => boolean): Promise<Listing> {
  return new Promise((resolve, reject) => {
    const listing: Listing = { entries: [], byName: new Map(), readable: new Map() };
    const cleanup = (): void => {
      zipfile.removeListener("entry", onEntry);
      zipfile.removeListener("end", onEnd);
      zipfile.removeListener("error", onError);
    };
    const onError = (err: unknown): void => {
      cleanup();
      reject(err);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(listing);
    };
    const refuse = (error: AppError): void => {
      cleanup();
      reject(error);
    };
    const onEntry = (entry: yauzl.Entry): void => {
      // decodeStrings:false leaves fileName as raw bytes; decode like yauzl would (CP437 / UTF-8 / Info-ZIP extra field).
      const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, false);
      const reason = unsafeNameReason(name);
      if (reason) {
        refuse(
          new AppError(
            "unsafe_archive",
            `The archive contains an entry whose name ${reason} ("${describeName(name)}"). Such entries can overwrite files outside the app when extracted, so Ferry refuses the archive.`,
          ),
        );
        return;
      }
      // Unix mode lives in the high 16 bits of the external attributes when made on Unix/macOS.
      const mode = entry.externalFileAttributes >>> 16;
      const info: ZipEntryInfo = {
        name,
        compressedSize: entry.compressedSize,
        uncompressedSize: entry.uncompressedSize,
        isDirectory: name.endsWith("/"),
        isSymlink: (mode & 0o170000) === 0o120000,
      };
      const existing = listing.byName.get(name);
      if (existing && !info.isDirectory) {
        // Two different contents for one path: tools disagree on which wins, so refuse.
        refuse(
          new AppError(
            "unsafe_archive",
            `The archive contains "${describeName(name)}" twice. Different tools would extract different files, so Ferry refuses the archive.`,
          ),
        );
        return;
      }
      listing.entries.push(info);
      if (!existing) {
        listing.byName.set(name, info);
        if (keep(name)) listing.readable.set(name, entry);
      }
      zipfile.readEntry();
    };
    zipfile.on("entry", onEntry);
    zipfile.on("end", onEnd);
    zipfile.on("error", onError);
    zipfile.readEntry();
  });
}

function collectStream(stream: Readable, declared: number, maxBytes: number, name: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let settled = false;
    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      stream.destroy();
      reject(mapZipError(err, name));
    };
    stream.on("data", (chunk: Buffer) => {
      total += chunk.length;
      // Our own check on top of yauzl's validateEntrySizes: never buffer past the cap.
      if (total > maxBytes || total > declared) {
        fail(
          new AppError(
            "unsafe_archive",
            `The archive is malformed or hostile: "${describeName(name)}" decompresses to more data than its header declares (${declared} bytes). Ferry refuses such archives.`,
          ),
        );
        return;
      }
      chunks.push(chunk);
    });
    stream.on("error", fail);
    stream.on("end", () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks, total));
    });
  });
}

/**
 * Opens the zip at `filePath` and reads its central directory. The caller must
 * call `close()` (or use `withZip`). On failure the file is already closed.
 */
export async function openZip(filePath: string, options: OpenZipOptions = {}): Promise<ZipReader> {
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const handle = await openFile(filePath, "r");
  let zipfile: yauzl.ZipFile | undefined;
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    if (!closed) {
      if (zipfile?.isOpen) zipfile.close();
      closed = handle.close();
    }
    return closed;
  };

  try {
    const { size } = await handle.stat();
    if (size === 0)
      throw new AppError(
        "not_a_zip",
        "The file is empty (0 bytes): it is not an .ipa. Upload the .ipa exported from Xcode.",
      );
    const reader = new FileHandleReader(handle, size);
    try {
      zipfile = await openYauzl(reader, size);
    } catch (err) {
      if (err instanceof Error && err.message.startsWith("End of central directory record signature not found")) {
        // Without the end record we cannot tell "not a zip" from "zip cut short" except by the first bytes.
        if (await startsLikeZip(handle, size))
          throw new AppError("truncated_archive", TRUNCATED_MESSAGE, { cause: err });
        throw new AppError(
          "not_a_zip",
          "The file is not a zip archive, so it cannot be an .ipa (an .ipa is a zip file containing Payload/<App>.app). Upload the .ipa exported from Xcode (Product > Archive, then Distribute App).",
          { cause: err },
        );
      }
      throw err;
    }

    const declaredEntries = zipfile.entryCount;
    if (declaredEntries * MIN_CENTRAL_RECORD_SIZE > size) {
      throw new AppError(
        "corrupt_archive",
        `The archive is damaged: it claims to contain ${declaredEntries} files, more than fit in its ${size} bytes. Re-export the .ipa and upload it again.`,
      );
    }

    if (declaredEntries > maxEntries) {
      throw new AppError(
        "archive_too_complex",
        `The archive lists ${declaredEntries} files; Ferry accepts at most ${maxEntries}. An iOS app with this many files is unusual: check that the .ipa contains only the app.`,
      );
    }
    const { entries, byName, readable } = await listEntries(zipfile, options.readable ?? (() => true));
    const openZipFile = zipfile;

    return {
      fileSize: size,
      entries,
      getEntry: (name) => byName.get(name),
      canRead: (name) => readable.has(name),
      close,
      async readEntry(name, maxBytes) {
        const info = byName.get(name);
        const entry = readable.get(name);
        if (!info || !entry) throw new Error(`zip entry not found or not opened as readable: ${name}`);
        if (info.uncompressedSize > maxBytes) {
          throw new AppError(
            "archive_too_complex",
            `"${describeName(name)}" would decompress to ${formatBytes(info.uncompressedSize)}, more than the ${formatBytes(maxBytes)} Ferry allows for this file. A real file of this kind is far smaller, so the archive is refused.`,
          );
        }
        try {
          const stream = await openZipFile.openReadStreamPromise(entry);
          return await collectStream(stream, info.uncompressedSize, maxBytes, name);
        } catch (err) {
          throw mapZipError(err, name);
        }
      },
      async openEntryStream(name) {
        const entry = readable.get(name);
        if (!entry) throw new Error(`zip entry not found or not opened as readable: ${name}`);
        let stream: Readable;
        try {
          stream = await openZipFile.openReadStreamPromise(entry);
        } catch (err) {
          throw mapZipError(err, name);
        }
        // Re-emit errors mapped, so consumers see the archive's problem, not yauzl's wording.
        const mapped = new PassThrough();
        stream.on("error", (err) => mapped.destroy(toError(mapZipError(err, name))));
        mapped.on("close", () => stream.destroy());
        return stream.pipe(mapped);
      },
    };
  } catch (err) {
    await close().catch(() => undefined);
    throw mapZipError(err);
  }
}

/** Opens the zip, runs `fn`, and always closes the file afterwards. */
export async function withZip<T>(
  filePath: string,
  fn: (zip: ZipReader) => Promise<T>,
  options?: OpenZipOptions,
): Promise<T> {
  const zip = await openZip(filePath, options);
  try {
    return await fn(zip);
  } finally {
    await zip.close();
  }
}
