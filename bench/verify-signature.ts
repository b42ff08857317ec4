/**
 * What verifying code signatures adds to an upload: on the largest fixtures
 * and on a generated archive with one large sealed resource, the time of the
 * analysis alone, the verification alone, both together (as ingest runs
 * them), and reading + SHA-256 of the file (what receiving it costs at least).
 * Median of --runs. Usage: npx tsx bench/verify-signature.ts [--size-mb 256] [--runs 3]
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { build as buildPlist } from "plist";
import { analyzeBuild } from "@/lib/analysis/analyze-build";
import { withZip } from "@/lib/analysis/ipa/zip-reader";
import { verifyCodeSignature } from "@/lib/verify/verify-code-signature";
import { fixturePath } from "@/tests/helpers/fixtures";
import { generateIpa } from "@/tests/helpers/generate-ipa";

const { values } = parseArgs({ options: { "size-mb": { type: "string" }, runs: { type: "string" } } });
const sizeMb = Number(values["size-mb"] ?? 256);
const runs = Number(values.runs ?? 3);

async function median(fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? 0;
}

async function readAndHash(file: string): Promise<void> {
  const hash = createHash("sha256");
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  hash.digest();
}

/** A generated app whose padding.bin is sealed in _CodeSignature/CodeResources, so verifying must hash it. */
async function sealedLargeArchive(dir: string): Promise<string> {
  const options = { bundleId: "com.example.bench", version: "1", buildNumber: "1", name: "Bench" };
  const first = path.join(dir, "unsealed.ipa");
  await generateIpa(first, { ...options, padBytes: sizeMb * 1024 * 1024 });
  const hashes = await withZip(first, async (zip) => {
    const sha1 = createHash("sha1");
    const sha256 = createHash("sha256");
    for await (const chunk of await zip.openEntryStream("Payload/Bench.app/padding.bin")) {
      sha1.update(chunk as Buffer);
      sha256.update(chunk as Buffer);
    }
    return { hash: sha1.digest(), hash2: sha256.digest() };
  });
  fs.rmSync(first);
  const seal = buildPlist({ files: {}, files2: { "padding.bin": hashes }, rules: {}, rules2: { "^.*": true } });
  const file = path.join(dir, "sealed.ipa");
  await generateIpa(file, {
    ...options,
    padBytes: sizeMb * 1024 * 1024,
    extraFiles: [{ path: "Payload/Bench.app/_CodeSignature/CodeResources", data: seal }],
  });
  return file;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-bench-verify-"));
try {
  const files = [
    fixturePath("ipa", "bitbar-test-samples--BitBarSampleApp.ipa"),
    fixturePath("ipa", "bitbar-test-samples--calculator.ipa"),
    await sealedLargeArchive(dir),
  ];
  console.log("file | size | read+sha256 | analysis | verify | both (as ingest) | both / analysis");
  for (const file of files) {
    const size = fs.statSync(file).size;
    const read = await median(() => readAndHash(file));
    const analysis = await median(() => analyzeBuild(file));
    const verify = await median(() => verifyCodeSignature(file, { extraAnchors: [] }));
    const both = await median(() => Promise.all([analyzeBuild(file), verifyCodeSignature(file, { extraAnchors: [] })]));
    console.log(
      [
        path.basename(file),
        `${(size / 1024 / 1024).toFixed(1)} MB`,
        `${read.toFixed(0)} ms`,
        `${analysis.toFixed(0)} ms`,
        `${verify.toFixed(0)} ms`,
        `${both.toFixed(0)} ms`,
        `${(both / analysis).toFixed(2)}×`,
      ].join(" | "),
    );
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
