/**
 * Compiles the server launcher (scripts/start.ts and the lib/ code it uses) to
 * plain JavaScript in dist/, so `npm start` runs it with `node` alone: no
 * TypeScript loader compiling or hooking module loads in the serving process.
 * node_modules stay external (Next.js, Prisma, pg load as usual). Run by
 * `npm run build`, and by scripts/launch.mjs when dist/ is missing. Also bundles
 * public/page-script.js, the one script of the runtime-less pages (pages/).
 */
import path from "node:path";
import { build } from "esbuild";

const root = path.resolve(import.meta.dirname, "..");

export async function buildLauncher() {
  await build({
    absWorkingDir: root,
    // next-telemetry on its own: scripts/launch.mjs must run it before Next.js loads,
    // and a bundle evaluates its external imports (next) before its own code.
    entryPoints: { start: "scripts/start.ts", "next-telemetry": "lib/boot/next-telemetry.ts" },
    outdir: "dist",
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    // Code behind a dynamic import() (the re-signer, nodemailer, the S3 SDK) becomes its own
    // chunk, loaded on first use: without splitting, esbuild hoists its packages' imports to the
    // top of start.mjs and every server would load pkijs and the rest at start (memory).
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    target: "node20",
    packages: "external",
    tsconfig: "tsconfig.json",
    sourcemap: "linked",
    logLevel: "warning",
  });
}

/**
 * The one script of the pages served without the React runtime (lib/ui/page-script.ts):
 * a small browser bundle in public/, served as a static file.
 */
export async function buildPageScript() {
  await build({
    absWorkingDir: root,
    entryPoints: { "page-script": "lib/ui/page-script.ts" },
    outdir: "public",
    bundle: true,
    platform: "browser",
    format: "iife",
    target: ["safari15", "chrome100", "firefox100"],
    minify: true,
    tsconfig: "tsconfig.json",
    logLevel: "warning",
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await Promise.all([buildLauncher(), buildPageScript()]);
