-- People told when a build is out (lib/notifications/, lib/update-check/).

-- A person watching an app (channel_id null: every channel they see) or one channel of it.
CREATE TABLE "watches" (
  "id" UUID NOT NULL DEFAULT gen_random_uuid(),
  "user_id" UUID NOT NULL REFERENCES "users"("id") ON DELETE CASCADE,
  "app_id" UUID NOT NULL REFERENCES "apps"("id") ON DELETE CASCADE,
  "channel_id" UUID REFERENCES "channels"("id") ON DELETE CASCADE,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "watches_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "watches_user_target_key" ON "watches"("user_id", "app_id", "channel_id") NULLS NOT DISTINCT;
CREATE INDEX "watches_app_id_idx" ON "watches"("app_id");

-- Outgoing email, one row per message: queued in the request that uploaded or
-- promoted a build, sent by a worker that claims due rows with FOR UPDATE SKIP
-- LOCKED and a lease (like webhook_deliveries). A row still open (pending, never
-- attempted) collects every build for its person until it is due: a burst of
-- builds becomes one email.
CREATE TABLE "notification_mails" (
  "id" UUID NOT NULL DEFAULT gen_random_uuid(),
  "user_id" UUID NOT NULL REFERENCES "users"("id") ON DELETE CASCADE,
  "status" TEXT NOT NULL DEFAULT 'pending',
  "attempts" INTEGER NOT NULL DEFAULT 0,
  "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "last_attempt_at" TIMESTAMPTZ(3),
  "last_error" TEXT,
  "sent_at" TIMESTAMPTZ(3),
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "notification_mails_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "notification_mails_open_key" ON "notification_mails"("user_id") WHERE "status" = 'pending' AND "attempts" = 0;
CREATE INDEX "notification_mails_due_idx" ON "notification_mails"("next_attempt_at") WHERE "status" = 'pending';

-- Which build a person was (or will be) told about, once per build.
CREATE TABLE "notification_items" (
  "user_id" UUID NOT NULL REFERENCES "users"("id") ON DELETE CASCADE,
  "build_id" UUID NOT NULL REFERENCES "builds"("id") ON DELETE CASCADE,
  "mail_id" UUID NOT NULL REFERENCES "notification_mails"("id") ON DELETE CASCADE,
  "channel" TEXT NOT NULL,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "notification_items_pkey" PRIMARY KEY ("user_id", "build_id")
);
CREATE INDEX "notification_items_mail_id_idx" ON "notification_items"("mail_id");
CREATE INDEX "notification_items_build_id_idx" ON "notification_items"("build_id");

-- Read-only keys an in-house app sends to ask whether a newer build exists
-- (GET /api/v1/apps/{bundleId}/latest). Only a SHA-256 of the key is kept.
CREATE TABLE "app_update_keys" (
  "id" UUID NOT NULL DEFAULT gen_random_uuid(),
  "app_id" UUID NOT NULL REFERENCES "apps"("id") ON DELETE CASCADE,
  "name" TEXT NOT NULL,
  "key_hash" TEXT NOT NULL,
  "prefix" TEXT NOT NULL,
  "created_by_id" UUID REFERENCES "users"("id") ON DELETE SET NULL,
  "last_used_at" TIMESTAMPTZ(3),
  "revoked_at" TIMESTAMPTZ(3),
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "app_update_keys_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "app_update_keys_key_hash_key" ON "app_update_keys"("key_hash");
CREATE INDEX "app_update_keys_app_id_idx" ON "app_update_keys"("app_id");
