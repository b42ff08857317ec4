-- Scheduled jobs (periodic sweeps, lib/boot/periodic-sweeps.ts): every instance
-- enqueues each kind once per period (`payload.period`); this index makes the
-- INSERT … ON CONFLICT DO NOTHING of all but the first a no-op, so a sweep
-- runs once per period across instances and restarts.
CREATE UNIQUE INDEX "jobs_one_per_schedule_period" ON "jobs" ("kind", ("payload"->>'period'))
    WHERE "payload" ? 'period';

-- The admin's jobs page (lib/jobs/data.ts): newest first, keyset on (created_at, id).
CREATE INDEX "jobs_created_at_id_idx" ON "jobs" ("created_at" DESC, "id" DESC);

-- The retention sweep removes finished jobs after JOB_RETENTION_DAYS (lib/retention/history-pruning.ts).
CREATE INDEX "jobs_finished_at_idx" ON "jobs" ("finished_at")
    WHERE "status" IN ('succeeded', 'failed');

-- The same page lists webhook deliveries and emails still to send or failed, newest first.
CREATE INDEX "webhook_deliveries_open_created_at_idx" ON "webhook_deliveries" ("created_at" DESC, "id" DESC)
    WHERE "status" IN ('pending', 'failed');
CREATE INDEX "notification_mails_open_created_at_idx" ON "notification_mails" ("created_at" DESC, "id" DESC)
    WHERE "status" IN ('pending', 'failed');
