/**
 * `npm start`: runs the launcher compiled by `npm run build` (dist/start.mjs,
 * from scripts/start.ts) with plain Node, so no TypeScript loader sits in the
 * request path. Compiles it first when dist/ is missing (a fresh checkout);
 * like the Next.js build, `npm run build` refreshes it after code changes.
 */
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const dist = path.resolve(import.meta.dirname, "..", "dist");
if (!fs.existsSync(path.join(dist, "start.mjs"))) {
  const { buildLauncher } = await import("./build-launcher.mjs");
  await buildLauncher();
}
// First, before Next.js loads: no telemetry unless the operator asks for it.
await import(pathToFileURL(path.join(dist, "next-telemetry.mjs")).href);
await import(pathToFileURL(path.join(dist, "start.mjs")).href);
