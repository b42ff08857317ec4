/**
 * `npm run fixtures`: downloads the real-IPA test corpus (the corpus test tier)
 * from its public sources at pinned commits (tests/corpus/manifest.json) into
 * FERRY_FIXTURES, else ../shared/fixtures beside the checkout. Needs internet.
 *
 * Every file is checked against the SHA-256 the manifest pins: a mismatch is
 * refused (nothing written under that name) and the run fails. Files already
 * there with the right digest are kept without a download. Files the manifest
 * lists without a URL were made for Ferry's tests and are published nowhere:
 * they are checked if present and reported if not.
 *
 * Options (for tests): --manifest <file>, --dest <dir>.
 */
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import yauzl from "yauzl";
import { z } from "zod";
import { fixturesDir } from "../tests/helpers/fixtures";

const ROOT = path.resolve(import.meta.dirname, "..");
/** Per download: a stalled connection must not hang the run. */
const DOWNLOAD_TIMEOUT_MS = 120_000;
const MAX_FILE_BYTES = 64 * 1024 * 1024;

const entrySchema = z.object({
  path: z
    .string()
    .min(1)
    .refine((p) => !path.isAbsolute(p) && !p.split(/[\\/]/).includes(".."), "a relative path inside the corpus"),
  url: z.string().url().nullable(),
  /** A file inside the downloaded zip, when the corpus file is one entry of a published archive. */
  extract: z.string().optional(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
const manifestSchema = z.object({ files: z.array(entrySchema.passthrough()) });
type Entry = z.infer<typeof entrySchema>;

function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

async function download(url: string): Promise<Buffer> {
  const res = await fetch(url, { redirect: "follow", signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const length = Number(res.headers.get("content-length") ?? 0);
  if (length > MAX_FILE_BYTES) throw new Error(`${length} bytes, more than any corpus file`);
  const data = Buffer.from(await res.arrayBuffer());
  if (data.length > MAX_FILE_BYTES) throw new Error(`${data.length} bytes, more than any corpus file`);
  return data;
}

/** One entry of a zip held in memory. */
function extractEntry(zipBytes: Buffer, name: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zipBytes, { lazyEntries: true }, (error, zip) => {
      if (error || !zip) return reject(error ?? new Error("not a zip"));
      zip.on("error", reject);
      zip.on("end", () => reject(new Error(`no entry ${name} in the archive`)));
      zip.on("entry", (entry: yauzl.Entry) => {
        if (entry.fileName !== name) return zip.readEntry();
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) return reject(streamError ?? new Error("unreadable entry"));
          const chunks: Buffer[] = [];
          stream.on("data", (c: Buffer) => chunks.push(c));
          stream.on("error", reject);
          stream.on("end", () => {
            zip.close();
            resolve(Buffer.concat(chunks));
          });
        });
      });
      zip.readEntry();
    });
  });
}

function present(file: string, digest: string): boolean {
  try {
    return sha256(fs.readFileSync(file)) === digest;
  } catch {
    return false;
  }
}

async function fetchEntry(entry: Entry, dest: string, cache: Map<string, Promise<Buffer>>): Promise<string | null> {
  const target = path.join(dest, entry.path);
  if (present(target, entry.sha256)) return null;
  if (!entry.url) {
    return fs.existsSync(target)
      ? `${entry.path}: its SHA-256 differs from the manifest's, and it has no public source to fetch again`
      : `${entry.path}: made for Ferry's tests and published nowhere; copy it from an existing corpus`;
  }
  let data: Buffer;
  try {
    // Several corpus files can come from one published archive: download it once.
    if (!cache.has(entry.url)) cache.set(entry.url, download(entry.url));
    const fetched = await cache.get(entry.url)!;
    data = entry.extract ? await extractEntry(fetched, entry.extract) : fetched;
  } catch (error) {
    return `${entry.path}: could not download ${entry.url}${entry.extract ? ` (${entry.extract})` : ""}: ${error instanceof Error ? error.message : String(error)}`;
  }
  const actual = sha256(data);
  if (actual !== entry.sha256) {
    return `${entry.path}: refused, SHA-256 ${actual} is not the pinned ${entry.sha256} (from ${entry.url})`;
  }
  // Written whole under a temporary name, then renamed: an interrupted run leaves no half file under the real name.
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const partial = `${target}.${randomBytes(4).toString("hex")}.partial`;
  fs.writeFileSync(partial, data);
  fs.renameSync(partial, target);
  return null;
}

async function main(argv: string[]): Promise<number> {
  let manifestFile = path.join(ROOT, "tests/corpus/manifest.json");
  let dest = fixturesDir();
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--manifest") manifestFile = path.resolve(argv[++i] ?? "");
    else if (argv[i] === "--dest") dest = path.resolve(argv[++i] ?? "");
    else throw new Error(`unknown argument ${argv[i]}: options are --manifest <file> and --dest <dir>`);
  }
  const manifest = manifestSchema.parse(JSON.parse(fs.readFileSync(manifestFile, "utf8")));
  console.log(`Fetching the real-IPA corpus (${manifest.files.length} files) into ${dest}`);
  const cache = new Map<string, Promise<Buffer>>();
  const problems: string[] = [];
  let fetched = 0;
  for (const entry of manifest.files) {
    const had = present(path.join(dest, entry.path), entry.sha256);
    const problem = await fetchEntry(entry, dest, cache);
    if (problem) problems.push(problem);
    else if (!had) fetched++;
  }
  for (const problem of problems) console.error(problem);
  const ok = manifest.files.length - problems.length;
  console.log(`${ok} of ${manifest.files.length} files verified (${fetched} downloaded).`);
  return problems.length === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
