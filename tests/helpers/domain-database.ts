import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { prepareRuntime } from "@/lib/boot/prepare-runtime";
import { disconnectPrisma } from "@/lib/db/client";
import { createTestDatabase, queryDatabase } from "./test-database";

/**
 * For domain tests: a fresh, migrated database and data directory wired into
 * this process's configuration, so lib/ functions run against real PostgreSQL
 * without a server. Call once per test file (each file is its own process).
 */
export async function useDomainDatabase(): Promise<{
  url: string;
  dataDir: string;
  query: <T extends Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<T[]>;
  cleanup: () => Promise<void>;
}> {
  const database = await createTestDatabase();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-domain-"));
  process.env.DATABASE_URL = database.url;
  process.env.DATA_DIR = dataDir;
  process.env.AUTH_SECRET = randomBytes(32).toString("base64url");
  process.env.PUBLIC_URL = "https://ferry.test";
  await prepareRuntime(() => {});
  return {
    url: database.url,
    dataDir,
    query: (sql, params = []) => queryDatabase(database.url, sql, params),
    cleanup: async () => {
      await disconnectPrisma();
      await database.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
