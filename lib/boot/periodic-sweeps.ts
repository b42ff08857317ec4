import { pruneHistory } from "@/lib/retention/history-pruning";
import { applyRetention } from "@/lib/retention/retention";
import { uploadTmpDir } from "@/lib/storage/build-files";
import { sweepOrphanBuildFiles } from "@/lib/storage/orphan-files";
import { buildStorage } from "@/lib/storage/storage";
import { staleUploadAgeMs, sweepStaleStoredTemps, sweepStaleUploads } from "@/lib/storage/sweep-tmp";

const EVERY_MS = 10 * 60 * 1000;

/**
 * Runs the clean-ups that must not wait for a restart: partial uploads no
 * longer in progress, icon temp files a crash left, and stored files no build row references (after a grace
 * period, under the storage lock, so safe with several instances), and
 * builds outside their app's retention (under its own advisory lock), and
 * old history in batches (lib/retention/history-pruning.ts: audit events past
 * AUDIT_RETENTION once their install counts are kept as daily totals,
 * delivered webhook deliveries, expired enrollment challenges and session
 * revocations). Returns a function that stops them.
 */
export function startPeriodicSweeps(options: {
  dataDir: string;
  uploadIdleTimeoutSeconds: number;
  /** AUDIT_RETENTION in days; null keeps audit events forever. */
  auditRetentionDays: number | null;
  log: (line: string) => void;
  everyMs?: number;
}): () => void {
  let running = false;
  const run = async () => {
    if (running) return;
    running = true;
    try {
      const parts = await sweepStaleUploads(
        uploadTmpDir(options.dataDir),
        staleUploadAgeMs(options.uploadIdleTimeoutSeconds),
      );
      if (parts > 0) options.log(`Removed ${parts} abandoned partial upload(s)`);
      const temps = await sweepStaleStoredTemps(options.dataDir, staleUploadAgeMs(options.uploadIdleTimeoutSeconds));
      if (temps > 0) options.log(`Removed ${temps} abandoned temporary file(s) from builds/ and icons/`);
      const orphans = await sweepOrphanBuildFiles(buildStorage());
      if (orphans) options.log(`Removed the files of ${orphans} build(s) no longer in the database`);
    } catch (error) {
      options.log(`warning: clean-up of temporary and orphaned files failed: ${(error as Error).message}`);
    }
    try {
      const pruned = await pruneHistory({ retentionDays: options.auditRetentionDays });
      if (pruned.enrollments) options.log(`Removed ${pruned.enrollments} expired device enrollment challenge(s)`);
      if (pruned.auditEvents || pruned.webhookDeliveries) {
        options.log(
          `Removed ${pruned.auditEvents} audit event(s) past AUDIT_RETENTION and ${pruned.webhookDeliveries} delivered webhook deliveries older than 30 days`,
        );
      }
    } catch (error) {
      options.log(`warning: pruning old history failed: ${(error as Error).message}`);
    }
    try {
      const retained = await applyRetention();
      if (retained) options.log(`Retention removed ${retained} old build(s)`);
    } catch (error) {
      options.log(`warning: retention failed: ${(error as Error).message}`);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void run(), options.everyMs ?? EVERY_MS);
  timer.unref();
  void run();
  return () => clearInterval(timer);
}
