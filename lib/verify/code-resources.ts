import { createHash } from "node:crypto";
import { isPlistDict, type PlistDict } from "@/lib/analysis/ipa/plist-dict";
import { parsePlist } from "@/lib/analysis/ipa/plist-parse";
import type { ZipReader } from "@/lib/analysis/ipa/zip-reader";
import { type CodeSignatureProblem, problem } from "@/lib/verify/problems";

/**
 * A bundle's resource seal (`_CodeSignature/CodeResources`): every file of the
 * bundle that its rules do not omit is listed with its SHA-1 (`hash`) and
 * SHA-256 (`hash2`), a symlink by its target, nested code by its cdhash. The
 * check goes both ways: each listed file must be there unchanged (unless
 * optional), and each file there must be listed (else it was added after
 * signing). `files2`/`rules2` are used when present (every signature since
 * 2013), `files`/`rules` otherwise.
 */

export const MAX_CODE_RESOURCES_BYTES = 16 * 1024 * 1024;
// Real rule sets hold ~15 rules of < 150 characters; bounds keep hostile seals cheap.
const MAX_RULES = 128;
const MAX_RULE_LENGTH = 512;

interface Rule {
  pattern: RegExp;
  weight: number;
  omit: boolean;
  optional: boolean;
  nested: boolean;
}

export interface ResourceSeal {
  version: 1 | 2;
  files: Map<string, PlistDict | Buffer>;
  rules: Rule[];
}

export function parseCodeResources(bytes: Buffer): ResourceSeal {
  const plist = parsePlist(bytes);
  if (!isPlistDict(plist)) throw new Error("CodeResources is not a dictionary");
  const version = isPlistDict(plist.files2) ? 2 : 1;
  const table = version === 2 ? plist.files2 : plist.files;
  const rulesTable = version === 2 ? plist.rules2 : plist.rules;
  const files = new Map<string, PlistDict | Buffer>();
  if (isPlistDict(table)) {
    for (const [name, value] of Object.entries(table)) {
      if (Buffer.isBuffer(value) || isPlistDict(value)) files.set(name, value);
    }
  }
  const rules: Rule[] = [];
  if (isPlistDict(rulesTable)) {
    const entries = Object.entries(rulesTable);
    if (entries.length > MAX_RULES) throw new Error(`CodeResources has ${entries.length} rules`);
    for (const [source, value] of entries) {
      if (source.length > MAX_RULE_LENGTH) throw new Error("CodeResources has an oversized rule");
      const options = isPlistDict(value) ? value : {};
      rules.push({
        pattern: new RegExp(source),
        weight: typeof options.weight === "number" ? options.weight : 1,
        omit: options.omit === true,
        optional: options.optional === true,
        nested: options.nested === true,
      });
    }
  }
  return { version, files, rules };
}

function ruleFor(seal: ResourceSeal, path: string): Rule | null {
  let best: Rule | null = null;
  for (const rule of seal.rules) {
    // On equal weights the omitting rule wins ("^Info\.plist$" omit beside "^", both weight 20), as codesign does.
    const better = !best || rule.weight > best.weight || (rule.weight === best.weight && rule.omit && !best.omit);
    if (better && rule.pattern.test(path)) best = rule;
  }
  return best;
}

/** SHA-1 and/or SHA-256 of an entry, streamed. */
async function hashEntry(
  zip: ZipReader,
  name: string,
  want: { sha1: boolean; sha256: boolean },
): Promise<{ sha1: Buffer | null; sha256: Buffer | null }> {
  const sha1 = want.sha1 ? createHash("sha1") : null;
  const sha256 = want.sha256 ? createHash("sha256") : null;
  const stream = await zip.openEntryStream(name);
  for await (const chunk of stream) {
    sha1?.update(chunk as Buffer);
    sha256?.update(chunk as Buffer);
  }
  return { sha1: sha1?.digest() ?? null, sha256: sha256?.digest() ?? null };
}

export interface BundleContents {
  /** The bundle's folder in the archive, with a trailing "/". */
  dir: string;
  /** Regular files and symlinks of the bundle, relative to `dir`, outside nested bundles. */
  files: string[];
  /**
   * Nested bundles (relative folder, no trailing "/"): the cdhashes of their
   * executables, and their files (relative to `dir`) for seals that list a
   * nested bundle file by file instead of by cdhash (rule sets without "nested").
   */
  nested: Map<string, { cdhashes: Set<string>; files: string[] }>;
  /** Relative paths sealed elsewhere (the executable, the seal itself). */
  excluded: Set<string>;
  /** cdhashes (hex) of the bundle's loose Mach-O files, by relative path. */
  machoCdhashes: Map<string, Set<string>>;
}

/** Checks a bundle's files against its seal; returns one problem per file that differs. */
export async function checkResourceSeal(
  zip: ZipReader,
  seal: ResourceSeal,
  bundle: BundleContents,
): Promise<CodeSignatureProblem[]> {
  const problems: CodeSignatureProblem[] = [];
  const seen = new Set<string>();
  const changed = (rel: string, why = "changed after signing") =>
    problems.push(problem("code_signature_invalid", `${rel} ${why}`, bundle.dir + rel));

  const checkFile = async (rel: string): Promise<void> => {
    if (bundle.excluded.has(rel)) return;
    const rule = ruleFor(seal, rel);
    if (!rule || rule.omit) return;
    const sealed = seal.files.get(rel);
    if (!sealed) {
      changed(rel, "was added after signing (it is not in the seal)");
      return;
    }
    seen.add(rel);
    const info = zip.getEntry(bundle.dir + rel);
    if (!info) return;
    if (Buffer.isBuffer(sealed)) {
      const { sha1 } = await hashEntry(zip, info.name, { sha1: true, sha256: false });
      if (!sha1?.equals(sealed)) changed(rel);
      return;
    }
    if (typeof sealed.symlink === "string") {
      const target = info.isSymlink ? (await zip.readEntry(info.name, 4096)).toString("utf8") : null;
      if (target !== sealed.symlink) changed(rel, `changed after signing (sealed as a link to ${sealed.symlink})`);
      return;
    }
    if (Buffer.isBuffer(sealed.cdhash)) {
      const cdhashes = bundle.machoCdhashes.get(rel);
      if (!cdhashes?.has(sealed.cdhash.toString("hex"))) changed(rel);
      return;
    }
    const hash = Buffer.isBuffer(sealed.hash) ? sealed.hash : null;
    const hash2 = Buffer.isBuffer(sealed.hash2) ? sealed.hash2 : null;
    if (!hash && !hash2) {
      changed(rel, "has an unreadable seal entry");
      return;
    }
    // With hash2 (SHA-256) sealed, it alone decides, as on iOS: equal SHA-256 means equal bytes.
    const actual = await hashEntry(zip, info.name, { sha1: !hash2, sha256: hash2 !== null });
    const matches = hash2 ? actual.sha256?.equals(hash2) : hash && actual.sha1?.equals(hash);
    if (!matches) changed(rel);
  };

  for (const rel of bundle.files) await checkFile(rel);

  const sealedKeys = [...seal.files.keys()];
  const fileByFile = new Set<string>();
  for (const [rel, nested] of bundle.nested) {
    const rule = ruleFor(seal, rel);
    if (rule?.omit) continue;
    const sealed = seal.files.get(rel);
    if (!sealed) {
      // Seals without a "nested" rule list a nested bundle's files one by one: check them as files.
      if (sealedKeys.some((key) => key.startsWith(`${rel}/`))) {
        fileByFile.add(rel);
        for (const file of nested.files) await checkFile(file);
      } else changed(rel, "was added after signing (it is not in the seal)");
      continue;
    }
    seen.add(rel);
    const cdhash = isPlistDict(sealed) && Buffer.isBuffer(sealed.cdhash) ? sealed.cdhash.toString("hex") : null;
    if (!cdhash || !nested.cdhashes.has(cdhash))
      changed(rel, "changed after signing (its signature is not the one sealed)");
  }

  for (const [rel, sealed] of seal.files) {
    if (seen.has(rel) || bundle.excluded.has(rel)) continue;
    // Files of a nested bundle sealed as a unit are the nested seal's business.
    const inNested = [...bundle.nested.keys()].some((n) => rel.startsWith(`${n}/`) && !fileByFile.has(n));
    if (inNested) continue;
    const optional = (isPlistDict(sealed) && sealed.optional === true) || ruleFor(seal, rel)?.optional === true;
    if (!optional) changed(rel, "was removed after signing (it is sealed but missing)");
  }
  return problems;
}
