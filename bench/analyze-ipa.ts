/**
 * Analysis cost vs .ipa size: generates .ipa files of 10 MB, 500 MB and 2 GB
 * (real embedded profile and CgBI icon inside, incompressible padding), then
 * analyses each in a fresh process (Info.plist, profile with CMS check, icon
 * decode + resize) and reports wall time and the process's peak RSS (VmHWM).
 *
 *   npx tsx bench/analyze-ipa.ts [--sizes 10,500,2048] [--runs 3]
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { readAppEntry } from "@/lib/analysis/ipa/analyze-ipa";
import { fixturePath } from "@/tests/helpers/fixtures";
import { generateIpa } from "@/tests/helpers/generate-ipa";

const ROOT = path.resolve(import.meta.dirname, "..");
const TSX = path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");

/** Runs in the child: analyse one file, print JSON with time and peak RSS. */
async function child(file: string): Promise<void> {
  const { analyzeBuild } = await import("@/lib/analysis/analyze-build");
  const start = process.hrtime.bigint();
  const { analysis } = await analyzeBuild(file);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const status = fs.readFileSync("/proc/self/status", "utf8");
  const hwmKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  process.stdout.write(
    JSON.stringify({ ms, hwmMb: hwmKb / 1024, icon: analysis.icon.source, profile: analysis.profile?.type ?? null }),
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: "string", default: "10,500,2048" },
      runs: { type: "string", default: "3" },
      child: { type: "string" },
    },
  });
  if (values.child) return child(values.child);

  const sizes = values.sizes.split(",").map(Number);
  const runs = Number(values.runs);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-bench-analyze-"));
  const source = fixturePath("ipa", "bitbar-test-samples--bitbar-sample-latest-iOS.ipa");
  const appDir = "Payload/BitBarSample.app";
  const profile = await readAppEntry(source, `${appDir}/embedded.mobileprovision`, 1 << 20);
  const icon = await readAppEntry(source, `${appDir}/AppIcon76x76@2x~ipad.png`, 1 << 20);
  if (!profile || !icon) throw new Error("fixture entries not found");

  const rows: string[] = [];
  try {
    for (const mb of sizes) {
      const file = path.join(dir, `bench-${mb}mb.ipa`);
      const made = await generateIpa(file, {
        bundleId: "com.example.bench",
        version: "1.0",
        buildNumber: String(mb),
        name: "Bench",
        padBytes: mb * 1024 * 1024,
        infoPlist: "binary",
        infoPlistExtra: { CFBundleIconFiles: ["AppIcon76x76"] },
        extraFiles: [
          { path: "Payload/Bench.app/embedded.mobileprovision", data: profile },
          { path: "Payload/Bench.app/AppIcon76x76@2x~ipad.png", data: icon },
        ],
      });
      const results: { ms: number; hwmMb: number; icon: string; profile: string | null }[] = [];
      for (let i = 0; i < runs; i += 1) {
        // Drop the file from the page cache between runs is not possible without root tools; runs after the first are warm.
        const out = execFileSync(process.execPath, [TSX, path.join(ROOT, "bench/analyze-ipa.ts"), "--child", file], {
          cwd: ROOT,
          encoding: "utf8",
        });
        results.push(JSON.parse(out));
      }
      const ms = results.map((r) => r.ms).sort((a, b) => a - b);
      const hwm = Math.max(...results.map((r) => r.hwmMb));
      rows.push(
        `| ${(made.size / 1024 / 1024).toFixed(0).padStart(5)} MiB | ${ms[0]!.toFixed(0).padStart(5)} ms | ${ms[Math.floor(ms.length / 2)]!.toFixed(0).padStart(5)} ms | ${hwm.toFixed(0).padStart(4)} MiB | ${results[0]!.icon} / ${results[0]!.profile} |`,
      );
      fs.rmSync(file);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(`analysis of generated .ipa files (${runs} runs each, fresh process per run)`);
  console.log("|  .ipa size |   best |  median | peak RSS | icon / profile |");
  console.log("|-----------|--------|---------|----------|----------------|");
  for (const row of rows) console.log(row);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
