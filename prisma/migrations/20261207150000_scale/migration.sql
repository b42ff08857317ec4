-- Company scale (issue 21): bounded growth of the audit trail and webhook log.

-- Install counts and funnels outlive the audit rows they are counted from:
-- before a day's rows are deleted, its install events are kept here as one
-- row per build, action, person and day (UTC). Readers add these totals for
-- days before audit_rollup.rolled_before to the raw rows from that instant on.
CREATE TABLE "audit_daily_counts" (
  "day" DATE NOT NULL,
  "build_id" UUID NOT NULL,
  "action" TEXT NOT NULL,
  -- The actor's id as text, '' when none (so it can be part of the key).
  "actor_key" TEXT NOT NULL,
  -- The actor's email as the funnel shows it, '(unknown)' when none.
  "actor_email" TEXT NOT NULL,
  "count" INTEGER NOT NULL,
  "last_at" TIMESTAMPTZ(3) NOT NULL,
  CONSTRAINT "audit_daily_counts_pkey" PRIMARY KEY ("build_id", "day", "action", "actor_key", "actor_email")
);

-- One row: every audit event before `rolled_before` (a UTC midnight) is
-- counted in audit_daily_counts, so it may be deleted; none after it is.
CREATE TABLE "audit_rollup" (
  "id" INTEGER NOT NULL DEFAULT 1,
  "rolled_before" TIMESTAMPTZ(3) NOT NULL,
  CONSTRAINT "audit_rollup_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "audit_rollup_one_row" CHECK ("id" = 1)
);
INSERT INTO "audit_rollup" ("id", "rolled_before") VALUES (1, '1970-01-01T00:00:00Z');

-- The retention sweep finds delivered deliveries by age without reading the pending ones.
CREATE INDEX "webhook_deliveries_delivered_created_at_idx" ON "webhook_deliveries" ("created_at") WHERE "status" = 'delivered';

-- Audit search through PostgreSQL's own index (lib/audit/audit-search.ts):
-- a trigram GIN index on the searched text, so `ILIKE '%term%'` over actor,
-- action, IP, user agent and target is an index lookup, not a scan of every
-- row. pg_trgm ships with PostgreSQL (the embedded server's build included)
-- and is a trusted extension: the database's owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX "audit_events_search_trgm_idx" ON "audit_events" USING gin (
  (coalesce("actor_email", '') || ' ' || "action" || ' ' || coalesce("ip", '') || ' ' || coalesce("user_agent", '') || ' ' || coalesce("target_id", '')) gin_trgm_ops
);
-- By person (what they did, what was done to them), by app, by action: newest first.
CREATE INDEX "audit_events_actor_id_id_idx" ON "audit_events" ("actor_id", "id");
CREATE INDEX "audit_events_target_id_id_idx" ON "audit_events" ("target_id", "id");
CREATE INDEX "audit_events_app_id_id_idx" ON "audit_events" ("app_id", "id");
CREATE INDEX "audit_events_action_id_idx" ON "audit_events" ("action", "id");
