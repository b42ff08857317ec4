import { runEvery } from "@/lib/jobs/run-every";
import { SWEEP_EVERY_MS } from "@/lib/jobs/schedule";
import { uploadTmpDir } from "@/lib/storage/build-files";
import { staleUploadAgeMs, sweepStaleStoredTemps, sweepStaleUploads } from "@/lib/storage/sweep-tmp";

/**
 * This instance's own clean-up, every `everyMs` (10 minutes): partial uploads
 * no longer in progress and temp files a crash left in its DATA_DIR. Not a
 * job: no other instance can see these files. Returns a function that stops it.
 */
export function startLocalSweeps(options: {
  dataDir: string;
  uploadIdleTimeoutSeconds: number;
  log: (line: string) => void;
  everyMs?: number;
}): () => void {
  const age = staleUploadAgeMs(options.uploadIdleTimeoutSeconds);
  return runEvery({
    tick: async () => {
      const parts = await sweepStaleUploads(uploadTmpDir(options.dataDir), age);
      if (parts > 0) options.log(`Removed ${parts} abandoned partial upload(s)`);
      const temps = await sweepStaleStoredTemps(options.dataDir, age);
      if (temps > 0) options.log(`Removed ${temps} abandoned temporary file(s) from builds/ and icons/`);
    },
    what: "clean-up of temporary files",
    log: options.log,
    everyMs: options.everyMs ?? SWEEP_EVERY_MS,
    immediately: true,
  });
}
