// Generates the Prisma client without downloading Prisma's native schema
// engine (unreachable on offline machines). `prisma generate` only checks that
// PRISMA_SCHEMA_ENGINE_BINARY points at an executable; it never runs it for
// generation, and the runtime client uses @prisma/adapter-pg with no engine.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: "1", CHECKPOINT_DISABLE: "1" };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) {
  env.PRISMA_SCHEMA_ENGINE_BINARY = fs.existsSync("/bin/true") ? "/bin/true" : process.execPath;
}
const cli = path.join(root, "node_modules", "prisma", "build", "index.js");
const result = spawnSync(process.execPath, [cli, "generate"], {
  cwd: root,
  env,
  stdio: ["ignore", "ignore", "inherit"],
});
if (result.status !== 0) {
  console.error("prisma generate failed");
  process.exit(result.status ?? 1);
}
