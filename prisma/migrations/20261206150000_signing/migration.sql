-- Re-signing (issue 16): signing identities, provisioning profiles, durable
-- jobs, and the link from a re-signed build to its original.

CREATE TABLE "signing_identities" (
    "id" UUID NOT NULL,
    "common_name" TEXT NOT NULL,
    "team_id" TEXT,
    "serial" TEXT NOT NULL,
    "not_after" TIMESTAMPTZ(3) NOT NULL,
    -- SHA-256 of the certificate's DER, upper-case hex: what profiles list.
    "fingerprint" TEXT NOT NULL,
    "certificate" BYTEA NOT NULL,
    -- The leaf's chain as the upload carried it (DER, concatenated PEM text).
    "chain_pem" TEXT NOT NULL DEFAULT '',
    -- AES-256-GCM (lib/signing/key-encryption.ts); never selected outside the signer.
    "encrypted_key" BYTEA NOT NULL,
    "created_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "signing_identities_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "signing_identities_fingerprint_key" ON "signing_identities"("fingerprint");
ALTER TABLE "signing_identities" ADD CONSTRAINT "signing_identities_created_by_id_fkey"
    FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

CREATE TABLE "signing_profiles" (
    "id" UUID NOT NULL,
    "uuid" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "team_id" TEXT,
    "app_id_pattern" TEXT NOT NULL,
    "entitlements" JSONB NOT NULL DEFAULT '{}',
    -- SHA-256 fingerprints (upper-case hex) of DeveloperCertificates.
    "certificate_fingerprints" TEXT[],
    "devices" TEXT[],
    "not_after" TIMESTAMPTZ(3) NOT NULL,
    "data" BYTEA NOT NULL,
    "created_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "signing_profiles_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "signing_profiles_uuid_key" ON "signing_profiles"("uuid");
ALTER TABLE "signing_profiles" ADD CONSTRAINT "signing_profiles_created_by_id_fkey"
    FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Durable jobs (lib/jobs/): claimed with FOR UPDATE SKIP LOCKED; a claim is a
-- lease (locked_until) so a job whose instance died is picked up again.
CREATE TABLE "jobs" (
    "id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "payload" JSONB NOT NULL DEFAULT '{}',
    "status" TEXT NOT NULL DEFAULT 'queued',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "max_attempts" INTEGER NOT NULL DEFAULT 3,
    "run_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "locked_until" TIMESTAMPTZ(3),
    "locked_by" TEXT,
    "result" JSONB,
    "error" JSONB,
    "created_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    CONSTRAINT "jobs_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "jobs_status_check" CHECK ("status" IN ('queued', 'running', 'succeeded', 'failed'))
);
CREATE INDEX "jobs_due_idx" ON "jobs"("run_at") WHERE "status" IN ('queued', 'running');
CREATE INDEX "jobs_kind_created_idx" ON "jobs"("kind", "created_at");

ALTER TABLE "builds" ADD COLUMN "resigned_from_id" UUID;
ALTER TABLE "builds" ADD CONSTRAINT "builds_resigned_from_id_fkey"
    FOREIGN KEY ("resigned_from_id") REFERENCES "builds"("id") ON DELETE SET NULL ON UPDATE CASCADE;
CREATE INDEX "builds_resigned_from_id_idx" ON "builds"("resigned_from_id");
