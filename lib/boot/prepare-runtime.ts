import fs from "node:fs/promises";
import path from "node:path";
import { type Env, env, exportResolvedEnv } from "@/lib/config/env";
import { readOrCreateSecretFile } from "@/lib/config/secret-file";
import { ensureEmbeddedPostgres, type RunningDatabase } from "@/lib/db/embedded-postgres";
import { applyMigrations } from "@/lib/db/migrate";
import { uploadTmpDir } from "@/lib/storage/build-files";
import { repairStoredModes } from "@/lib/storage/local-storage";
import { staleUploadAgeMs, sweepStaleUploads } from "@/lib/storage/sweep-tmp";

export type Runtime = { env: Env; database: RunningDatabase };

/**
 * Everything that must hold before Ferry serves a request or the CLI touches
 * data: valid configuration, a data directory, an auth secret, a database with
 * every migration applied.
 */
export async function prepareRuntime(
  log: (line: string) => void,
  options: { superviseDatabase?: { onGiveUp: (reason: string) => void } } = {},
): Promise<Runtime> {
  const config = env();
  await fs.mkdir(config.dataDir, { recursive: true });
  const authSecret = config.authSecret ?? (await readOrCreateSecretFile(path.join(config.dataDir, "auth-secret"), 48));
  const database: RunningDatabase = config.databaseUrl
    ? { url: config.databaseUrl, stop: async () => {} }
    : await ensureEmbeddedPostgres(config.dataDir, log, { supervise: options.superviseDatabase });
  try {
    const applied = await applyMigrations(database.url, { log });
    if (applied.length > 0) log(`Applied ${applied.length} migration(s)`);
  } catch (error) {
    await database.stop();
    throw error;
  }
  const swept = await sweepStaleUploads(
    uploadTmpDir(config.dataDir),
    staleUploadAgeMs(config.uploadIdleTimeoutSeconds),
  );
  if (swept > 0) log(`Removed ${swept} partial upload(s) left by an earlier crash`);
  const repaired = await repairStoredModes(config.dataDir);
  if (repaired > 0)
    log(`Made ${repaired} stored file(s) and folder(s) readable by their group (see docs/deployment.md)`);
  exportResolvedEnv({ databaseUrl: database.url, authSecret });
  return { env: env(), database };
}
