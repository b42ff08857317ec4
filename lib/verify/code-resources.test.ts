import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { build as buildPlist } from "plist";
import { buildZip, type TestZipEntry } from "@/lib/analysis/ipa/test-helpers";
import { withZip } from "@/lib/analysis/ipa/zip-reader";
import { type BundleContents, checkResourceSeal, parseCodeResources } from "@/lib/verify/code-resources";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-seal-test-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const DIR = "Payload/A.app/";
const sha1 = (data: string) => createHash("sha1").update(data).digest();
const sha256 = (data: string) => createHash("sha256").update(data).digest();
const sealed = (data: string) => ({ hash: sha1(data), hash2: sha256(data) });

// Apple's default rules2, as codesign writes them.
const RULES2 = {
  "^.*": true,
  "^.*\\.lproj/": { optional: true, weight: 1000 },
  "^.*\\.lproj/locversion.plist$": { omit: true, weight: 1100 },
  // Base.lproj is not optional: it outweighs the optional ".lproj" rule.
  "^Base\\.lproj/": { weight: 1010 },
  "^(.*/)?\\.DS_Store$": { omit: true, weight: 2000 },
  "^Info\\.plist$": { omit: true, weight: 20 },
  "^PkgInfo$": { omit: true, weight: 20 },
  "^(Frameworks|SharedFrameworks|PlugIns|Plug-ins|XPCServices|Helpers|MacOS|Library/(Automator|Spotlight|LoginItems))/":
    { nested: true, weight: 10 },
};

const NESTED_CDHASH = Buffer.alloc(20, 0xab);

function seal(): Buffer {
  return Buffer.from(
    buildPlist({
      files: {},
      files2: {
        "Assets.car": sealed("assets"),
        "Base.lproj/Main.nib": sealed("nib"),
        "fr.lproj/Localizable.strings": { ...sealed("bonjour"), optional: true },
        Current: { symlink: "Versions/A" },
        "Frameworks/X.framework": { cdhash: NESTED_CDHASH, requirement: 'identifier "x"' },
      },
      rules: {},
      rules2: RULES2,
    } as unknown as Parameters<typeof buildPlist>[0]),
  );
}

async function check(entries: TestZipEntry[], nestedCdhash = NESTED_CDHASH.toString("hex")): Promise<string[]> {
  const file = path.join(tmp, `${Math.random().toString(36).slice(2)}.ipa`);
  fs.writeFileSync(file, buildZip(entries));
  return withZip(file, async (zip) => {
    const names = zip.entries.filter((e) => !e.isDirectory && e.name.startsWith(DIR));
    const bundle: BundleContents = {
      dir: DIR,
      files: names
        .filter((e) => !e.name.startsWith(`${DIR}Frameworks/X.framework/`))
        .map((e) => e.name.slice(DIR.length)),
      nested: new Map([
        [
          "Frameworks/X.framework",
          {
            cdhashes: new Set([nestedCdhash]),
            files: names
              .filter((e) => e.name.startsWith(`${DIR}Frameworks/X.framework/`))
              .map((e) => e.name.slice(DIR.length)),
          },
        ],
      ]),
      excluded: new Set(["A", "_CodeSignature/CodeResources"]),
      machoCdhashes: new Map(),
    };
    const problems = await checkResourceSeal(zip, parseCodeResources(seal()), bundle);
    return problems.map((p) => p.message);
  });
}

const INTACT: TestZipEntry[] = [
  { name: `${DIR}Info.plist`, data: Buffer.from("<plist/>") },
  { name: `${DIR}PkgInfo`, data: Buffer.from("APPL????") },
  { name: `${DIR}A`, data: Buffer.from("binary") },
  { name: `${DIR}_CodeSignature/CodeResources`, data: Buffer.from("seal") },
  { name: `${DIR}Assets.car`, data: Buffer.from("assets") },
  { name: `${DIR}Base.lproj/Main.nib`, data: Buffer.from("nib") },
  { name: `${DIR}Current`, data: Buffer.from("Versions/A"), mode: 0o120777 },
  { name: `${DIR}Frameworks/X.framework/X`, data: Buffer.from("framework binary") },
  { name: `${DIR}.DS_Store`, data: Buffer.from("finder junk") },
];

function replace(name: string, entry: Partial<TestZipEntry> | null): TestZipEntry[] {
  const list = INTACT.filter((e) => e.name !== `${DIR}${name}`);
  const original = INTACT.find((e) => e.name === `${DIR}${name}`);
  return entry ? [...list, { ...original, name: `${DIR}${name}`, ...entry }] : list;
}

describe("resource seals (CodeResources files2/rules2)", () => {
  test("an intact bundle: omitted files ignored, optional file absent, symlink and nested code by cdhash", async () => {
    assert.deepEqual(await check(INTACT), []);
  });

  test("a changed file, a removed file, an added file", async () => {
    assert.deepEqual(await check(replace("Assets.car", { data: Buffer.from("assetz") })), [
      "Assets.car changed after signing",
    ]);
    assert.deepEqual(await check(replace("Base.lproj/Main.nib", null)), [
      "Base.lproj/Main.nib was removed after signing (it is sealed but missing)",
    ]);
    assert.deepEqual(await check([...INTACT, { name: `${DIR}extra.png`, data: Buffer.from("x") }]), [
      "extra.png was added after signing (it is not in the seal)",
    ]);
  });

  test("an optional file present must still match", async () => {
    const localized = { name: `${DIR}fr.lproj/Localizable.strings`, data: Buffer.from("bonjour") };
    assert.deepEqual(await check([...INTACT, localized]), []);
    assert.deepEqual(await check([...INTACT, { ...localized, data: Buffer.from("salut") }]), [
      "fr.lproj/Localizable.strings changed after signing",
    ]);
  });

  test("a symlink retargeted or replaced by a file", async () => {
    assert.deepEqual(await check(replace("Current", { data: Buffer.from("Versions/B") })), [
      "Current changed after signing (sealed as a link to Versions/A)",
    ]);
    assert.deepEqual(await check(replace("Current", { mode: 0o100644 })), [
      "Current changed after signing (sealed as a link to Versions/A)",
    ]);
  });

  test("nested code whose signature is not the one sealed", async () => {
    assert.deepEqual(await check(INTACT, "00".repeat(20)), [
      "Frameworks/X.framework changed after signing (its signature is not the one sealed)",
    ]);
  });
});
