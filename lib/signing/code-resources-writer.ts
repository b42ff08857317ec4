import { createHash } from "node:crypto";
import { isPlistDict } from "@/lib/analysis/ipa/plist-dict";
import { parsePlist } from "@/lib/analysis/ipa/plist-parse";
import type { ZipReader } from "@/lib/analysis/ipa/zip-reader";
import { compareKeys, PlistReal, type PlistValue, writeXmlPlist } from "@/lib/signing/xml-plist-writer";

/**
 * Writes a bundle's resource seal (`_CodeSignature/CodeResources`) the way
 * codesign does for iOS: `files` (SHA-1 under the legacy `rules`) and `files2`
 * (SHA-256, plus SHA-1 when the code is signed with SHA-1 too, under
 * `rules2`), symlinks by target, nested code by cdhash and requirement when a
 * `nested` rule claims it. The bundle's own `_CodeSignature/` and main
 * executable are never listed (the executable's signature seals this file).
 * Files are hashed as streams, one pass for both digests.
 */

/** A rule's options; `true` is the bare rule (weight 1). */
export type ResourceRule = true | { omit?: boolean; optional?: boolean; nested?: boolean; weight?: number };
export type ResourceRules = Record<string, ResourceRule>;

export interface ResourceRuleSets {
  rules: ResourceRules;
  rules2: ResourceRules;
}

const LEGACY_RULES_COMMON: ResourceRules = {
  "^.*\\.lproj/": { optional: true, weight: 1000 },
  "^.*\\.lproj/locversion.plist$": { omit: true, weight: 1100 },
  "^version.plist$": true,
};

/** The rule sets codesign writes for iOS bundles today (Xcode 11 onwards). */
export const IOS_RESOURCE_RULES: ResourceRuleSets = {
  rules: { "^.*": true, ...LEGACY_RULES_COMMON, "^Base\\.lproj/": { weight: 1010 } },
  rules2: {
    ".*\\.dSYM($|/)": { weight: 11 },
    "^(.*/)?\\.DS_Store$": { omit: true, weight: 2000 },
    "^.*": true,
    "^.*\\.lproj/": { optional: true, weight: 1000 },
    "^.*\\.lproj/locversion.plist$": { omit: true, weight: 1100 },
    "^Base\\.lproj/": { weight: 1010 },
    "^Info\\.plist$": { omit: true, weight: 20 },
    "^PkgInfo$": { omit: true, weight: 20 },
    "^embedded\\.provisionprofile$": { weight: 20 },
    "^version\\.plist$": { weight: 20 },
  },
};

/** Which digests each `files2` entry carries. */
export type Files2Hashes =
  /** `hash2` (SHA-256) only: code signed with SHA-256 only (current codesign). */
  | "sha256"
  /** `hash` (SHA-1) and `hash2`: code signed with SHA-1 and SHA-256 directories. */
  | "sha1+sha256"
  /** `<data>` SHA-1 like `files` (codesign of 2013–2014, before `hash2`). */
  | "sha1";

export interface BundleFile {
  /** Path relative to the bundle folder, "/"-separated. */
  path: string;
  /** The link target when the file is a symbolic link. */
  symlinkTarget?: string;
}

export interface NestedCodeSeal {
  cdhash: Buffer;
  /** The nested code's designated requirement, as text. */
  requirement: string;
}

export interface CodeResourcesInput {
  /** Every file and symlink of the bundle, nested bundles' files included. */
  files: readonly BundleFile[];
  /** The main executable's relative path (sealed by its own signature, never listed). */
  mainExecutable: string | null;
  /** The bytes of a file, streamed. */
  open: (path: string) => Promise<AsyncIterable<Buffer | Uint8Array> | Iterable<Buffer | Uint8Array>>;
  /** A file's digests when already known (hashed while it was copied); else it is opened and hashed. */
  digests?: (path: string) => { sha1: Buffer; sha256: Buffer } | undefined;
  rules?: ResourceRuleSets;
  files2Hashes?: Files2Hashes;
  /** Nested code (a bundle folder or a Mach-O file) sealed by cdhash where a `nested` rule wins. */
  nestedCode?: ReadonlyMap<string, NestedCodeSeal>;
}

interface CompiledRule {
  regex: RegExp;
  weight: number;
  omit: boolean;
  optional: boolean;
  nested: boolean;
}

function compile(rules: ResourceRules): CompiledRule[] {
  return Object.entries(rules).map(([pattern, rule]) => {
    const options = rule === true ? {} : rule;
    return {
      regex: new RegExp(pattern),
      weight: options.weight ?? 1,
      omit: options.omit === true,
      optional: options.optional === true,
      nested: options.nested === true,
    };
  });
}

/** The heaviest matching rule; on equal weights the omitting one wins (as lib/verify/code-resources.ts reads it). */
function ruleFor(rules: CompiledRule[], path: string): CompiledRule | null {
  let best: CompiledRule | null = null;
  for (const rule of rules) {
    const better = !best || rule.weight > best.weight || (rule.weight === best.weight && rule.omit && !best.omit);
    if (better && rule.regex.test(path)) best = rule;
  }
  return best;
}

function rulesPlist(rules: ResourceRules): PlistValue {
  const out: Record<string, PlistValue> = {};
  for (const [pattern, rule] of Object.entries(rules)) {
    if (rule === true) {
      out[pattern] = true;
      continue;
    }
    const options: Record<string, PlistValue> = {};
    if (rule.omit) options.omit = true;
    if (rule.optional) options.optional = true;
    if (rule.nested) options.nested = true;
    if (rule.weight !== undefined) options.weight = new PlistReal(rule.weight);
    out[pattern] = options;
  }
  return out;
}

async function digests(
  stream: AsyncIterable<Buffer | Uint8Array> | Iterable<Buffer | Uint8Array>,
): Promise<{ sha1: Buffer; sha256: Buffer }> {
  const sha1 = createHash("sha1");
  const sha256 = createHash("sha256");
  for await (const chunk of stream) {
    sha1.update(chunk);
    sha256.update(chunk);
  }
  return { sha1: sha1.digest(), sha256: sha256.digest() };
}

/** Builds the CodeResources plist (XML bytes) for one bundle. */
export async function buildCodeResources(input: CodeResourcesInput): Promise<Buffer> {
  const ruleSets = input.rules ?? IOS_RESOURCE_RULES;
  const rules1 = compile(ruleSets.rules);
  const rules2 = compile(ruleSets.rules2);
  const files2Hashes = input.files2Hashes ?? "sha256";
  const nested = input.nestedCode ?? new Map<string, NestedCodeSeal>();
  const files: Record<string, PlistValue> = {};
  const files2: Record<string, PlistValue> = {};

  // Nested code claimed by a `nested` rule in rules2 is sealed as a unit; its files are not listed one by one.
  const nestedUnits = [...nested.keys()].filter((p) => ruleFor(rules2, p)?.nested === true);
  const insideNestedUnit = (path: string) => nestedUnits.some((unit) => path === unit || path.startsWith(`${unit}/`));
  for (const unit of nestedUnits) {
    const seal = nested.get(unit) as NestedCodeSeal;
    files2[unit] = { cdhash: seal.cdhash, requirement: seal.requirement };
  }

  const sorted = [...input.files].sort((a, b) => compareKeys(a.path, b.path));
  for (const file of sorted) {
    const path = file.path;
    if (path === input.mainExecutable || path.startsWith("_CodeSignature/")) continue;
    const rule1 = ruleFor(rules1, path);
    const rule2 = insideNestedUnit(path) ? null : ruleFor(rules2, path);
    const inFiles = rule1 !== null && !rule1.omit;
    const inFiles2 = rule2 !== null && !rule2.omit;
    if (!inFiles && !inFiles2) continue;
    if (file.symlinkTarget !== undefined) {
      // Symlinks exist only in the v2 seal: the legacy one has no way to say "link".
      if (inFiles2) files2[path] = { symlink: file.symlinkTarget };
      continue;
    }
    const { sha1, sha256 } = input.digests?.(path) ?? (await digests(await input.open(path)));
    if (inFiles) files[path] = rule1?.optional ? { hash: sha1, optional: true } : sha1;
    if (inFiles2) {
      const optional = rule2?.optional === true;
      if (files2Hashes === "sha1") files2[path] = optional ? { hash: sha1, optional: true } : sha1;
      else {
        const entry: Record<string, PlistValue> = { hash2: sha256 };
        if (files2Hashes === "sha1+sha256") entry.hash = sha1;
        if (optional) entry.optional = true;
        files2[path] = entry;
      }
    }
  }
  return writeXmlPlist({
    files,
    files2,
    rules: rulesPlist(ruleSets.rules),
    rules2: rulesPlist(ruleSets.rules2),
  });
}

/** The rule sets of an existing seal (to re-seal a bundle under the rules it was sealed with). */
export function ruleSetsOf(codeResources: Buffer): ResourceRuleSets {
  const plist = parsePlist(codeResources);
  if (!isPlistDict(plist)) throw new Error("CodeResources is not a dictionary");
  const read = (value: unknown): ResourceRules => {
    const out: ResourceRules = {};
    if (!isPlistDict(value)) return out;
    for (const [pattern, rule] of Object.entries(value)) {
      if (!isPlistDict(rule)) {
        out[pattern] = true;
        continue;
      }
      const options: Exclude<ResourceRule, true> = {};
      if (rule.omit === true) options.omit = true;
      if (rule.optional === true) options.optional = true;
      if (rule.nested === true) options.nested = true;
      if (typeof rule.weight === "number") options.weight = rule.weight;
      out[pattern] = options;
    }
    return out;
  };
  return { rules: read(plist.rules), rules2: read(plist.rules2) };
}

/** A bundle's files as the zip holds them (`dir` ends with "/"), for buildCodeResources. */
export async function bundleFilesInZip(zip: ZipReader, dir: string): Promise<BundleFile[]> {
  const files: BundleFile[] = [];
  for (const entry of zip.entries) {
    if (entry.isDirectory || !entry.name.startsWith(dir)) continue;
    const path = entry.name.slice(dir.length);
    if (entry.isSymlink) {
      files.push({ path, symlinkTarget: (await zip.readEntry(entry.name, 4096)).toString("utf8") });
    } else files.push({ path });
  }
  return files;
}

/** The digests an existing seal's `files2` entries carry (to re-seal in the same style). */
export function files2HashesOf(codeResources: Buffer): Files2Hashes {
  const plist = parsePlist(codeResources);
  const files2 = isPlistDict(plist) && isPlistDict(plist.files2) ? Object.values(plist.files2) : [];
  if (files2.some((entry) => Buffer.isBuffer(entry))) return "sha1";
  return files2.some((entry) => isPlistDict(entry) && Buffer.isBuffer(entry.hash)) ? "sha1+sha256" : "sha256";
}
