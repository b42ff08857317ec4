-- "Add my iPhone" (issue 17): the App Store Connect API key, per-app device
-- sync, the devices Apple knows and the profiles Ferry created in the account.

-- One key: Ferry talks to one developer account.
CREATE TABLE "app_store_connect_keys" (
    "id" UUID NOT NULL,
    "issuer_id" TEXT NOT NULL,
    "key_id" TEXT NOT NULL,
    -- AES-256-GCM of the .p8 (lib/signing/key-encryption.ts, the row id as associated data); never returned.
    "encrypted_key" BYTEA NOT NULL,
    "singleton" BOOLEAN NOT NULL DEFAULT true,
    "created_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "app_store_connect_keys_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "app_store_connect_keys_singleton" CHECK ("singleton")
);
CREATE UNIQUE INDEX "app_store_connect_keys_singleton_key" ON "app_store_connect_keys"("singleton");
ALTER TABLE "app_store_connect_keys" ADD CONSTRAINT "app_store_connect_keys_created_by_id_fkey"
    FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- "Keep devices in sync" for an app: which identity signs, which profile type Ferry makes.
CREATE TABLE "app_device_syncs" (
    "app_id" UUID NOT NULL,
    "identity_id" UUID NOT NULL,
    "profile_type" TEXT NOT NULL,
    -- The admin who turned it on: re-sign jobs run as them.
    "enabled_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "app_device_syncs_pkey" PRIMARY KEY ("app_id")
);
ALTER TABLE "app_device_syncs" ADD CONSTRAINT "app_device_syncs_app_id_fkey"
    FOREIGN KEY ("app_id") REFERENCES "apps"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "app_device_syncs" ADD CONSTRAINT "app_device_syncs_identity_id_fkey"
    FOREIGN KEY ("identity_id") REFERENCES "signing_identities"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "app_device_syncs" ADD CONSTRAINT "app_device_syncs_enabled_by_id_fkey"
    FOREIGN KEY ("enabled_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- The devices an app's Ferry profiles list: one row per "Add my iPhone".
CREATE TABLE "app_provisioned_devices" (
    "app_id" UUID NOT NULL,
    "device_id" UUID NOT NULL,
    "requested_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    -- Set when a job has put the device in the app's profiles and re-signed for the requester; null: pending.
    "provisioned_at" TIMESTAMPTZ(3),
    CONSTRAINT "app_provisioned_devices_pkey" PRIMARY KEY ("app_id", "device_id")
);
ALTER TABLE "app_provisioned_devices" ADD CONSTRAINT "app_provisioned_devices_app_id_fkey"
    FOREIGN KEY ("app_id") REFERENCES "apps"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "app_provisioned_devices" ADD CONSTRAINT "app_provisioned_devices_device_id_fkey"
    FOREIGN KEY ("device_id") REFERENCES "devices"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "app_provisioned_devices" ADD CONSTRAINT "app_provisioned_devices_requested_by_id_fkey"
    FOREIGN KEY ("requested_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Devices Apple knows, by UDID: registered by Ferry, or found registered already.
CREATE TABLE "asc_devices" (
    "udid" TEXT NOT NULL,
    "asc_id" TEXT NOT NULL,
    "registered_by_ferry" BOOLEAN NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "asc_devices_pkey" PRIMARY KEY ("udid")
);

-- Profiles Ferry created in the account: the only ones it ever deletes.
CREATE TABLE "asc_profiles" (
    "asc_id" TEXT NOT NULL,
    "app_id" UUID NOT NULL,
    "bundle_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "signing_profile_id" UUID,
    "job_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(3),
    CONSTRAINT "asc_profiles_pkey" PRIMARY KEY ("asc_id")
);
CREATE INDEX "asc_profiles_app_id_bundle_id_idx" ON "asc_profiles"("app_id", "bundle_id");
ALTER TABLE "asc_profiles" ADD CONSTRAINT "asc_profiles_app_id_fkey"
    FOREIGN KEY ("app_id") REFERENCES "apps"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "asc_profiles" ADD CONSTRAINT "asc_profiles_signing_profile_id_fkey"
    FOREIGN KEY ("signing_profile_id") REFERENCES "signing_profiles"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- At most one queued provision job per app: requests from any instance join it
-- (INSERT … ON CONFLICT DO NOTHING), so a burst is one regeneration.
CREATE UNIQUE INDEX "jobs_one_queued_provision_per_app" ON "jobs" (("payload"->>'appId'))
    WHERE "kind" = 'provision-devices' AND "status" = 'queued';
