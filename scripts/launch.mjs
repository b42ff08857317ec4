/**
 * `npm start`: runs the launcher compiled by `npm run build` (dist/start.mjs,
 * from scripts/start.ts) with plain Node, so no TypeScript loader sits in the
 * request path. Compiles it first when dist/ is missing (a fresh checkout);
 * like the Next.js build, `npm run build` refreshes it after code changes.
 */
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import v8 from "node:v8";

/*
 * Heap tuning, first, before the heap holds anything (docs/deployment.md, "Memory").
 * V8 sizes its heap for a 4 GB limit: under load it lets the old generation grow to ~4× what
 * survives a full GC (measured: 50 MiB live, 270 MiB of heap after a burst of install-manifest
 * requests) and the young generation to 2 × 16 MiB. Both flags below are read by V8 at each GC,
 * so setting them here at run time works (checked on Node 20, 24 and 26; setFlagsFromString ignores
 * an unknown flag silently, so scripts/launch-flags.test.ts checks that the running Node still
 * knows each one, and the RSS test, tests/server-memory.test.ts, fails if they stop working)
 * without a second process to re-exec with command-line flags:
 * - old generation limit: 1.3 × what survived the last full GC (V8's own factor when memory is
 *   tight), at least +8 MiB, instead of up to 4×;
 * - young generation: its semi-spaces stay at their initial 1 MiB instead of growing to 16 MiB.
 *   `npm start` gives node `--max-semi-space-size=4` (package.json): a maximum can only be set
 *   before the heap exists, so there the young generation grows to 4 MiB, which costs ~12 % less
 *   CPU per page than 1 MiB (fewer scavenges, less promoted garbage) for ~10 MiB of RSS.
 * An operator's own flag for the same thing (NODE_OPTIONS or the command line) wins.
 */
const givenFlags = `${process.env.NODE_OPTIONS ?? ""} ${process.execArgv.join(" ")}`;
if (!/--heap[-_]growing[-_]percent/.test(givenFlags)) v8.setFlagsFromString("--heap-growing-percent=30");
if (!/--(max|min)[-_]semi[-_]space|--semi[-_]space[-_]growth/.test(givenFlags)) {
  v8.setFlagsFromString("--semi-space-growth-factor=1");
}

/*
 * WebAssembly stays in V8's baseline compiler (Liftoff). The one module is Prisma's query
 * compiler (~3 MiB of wasm), and on Node 20 V8 also compiled all of it with TurboFan on its
 * background threads at startup: their scratch memory stayed resident in glibc's per-thread
 * arenas, 20–80 MiB (it varied with which threads took the jobs) that no GC can return, and the
 * memory test's idle RSS varied with it (measured 234–296 MiB; with this flag 201–213 MiB, a
 * fresh server 127–131 instead of 165–199). Prisma caches each query's plan (parameterized),
 * so the compiler runs once per query shape: the page benchmark's CPU per request did not move
 * (side by side, two rounds: 21.0 / 20.7 ms optimizing, 21.8 / 18.0 ms with this flag).
 */
if (!/--(no-)?liftoff|--wasm[-_]tier/.test(givenFlags)) v8.setFlagsFromString("--liftoff-only");

/*
 * ArrayBuffers freed by a scavenge are swept at once instead of by a background task. Every
 * 64 KiB of an upload's body arrives in a new ArrayBuffer (Node's HTTP parser copies it); swept
 * later, their bytes still count as live external memory, which then crosses V8's 64 MiB
 * external limit and starts a full GC: measured ~31 full GCs per GB uploaded (~1 core-second of
 * marking) against ~7, and a 1 GB upload 20% faster side by side. The sweep itself is a walk of
 * the few young buffers, on the main thread.
 */
if (!/--(no-)?concurrent[-_]array[-_]buffer[-_]sweeping/.test(givenFlags)) {
  v8.setFlagsFromString("--no-concurrent-array-buffer-sweeping");
}

const root = path.resolve(import.meta.dirname, "..");
const dist = path.join(root, "dist");
// A fresh checkout has neither the launcher nor the runtime-less pages' script (both built, not
// committed): make whichever is missing, before start.ts runs `next build` so public/ is complete.
const needLauncher = !fs.existsSync(path.join(dist, "start.mjs"));
const needPageScript = !fs.existsSync(path.join(root, "public", "page-script.js"));
if (needLauncher || needPageScript) {
  const { buildLauncher, buildPageScript } = await import("./build-launcher.mjs");
  await Promise.all([needLauncher ? buildLauncher() : null, needPageScript ? buildPageScript() : null]);
}
// First, before Next.js loads: no telemetry unless the operator asks for it.
await import(pathToFileURL(path.join(dist, "next-telemetry.mjs")).href);
await import(pathToFileURL(path.join(dist, "start.mjs")).href);
