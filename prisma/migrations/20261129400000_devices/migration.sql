-- Registered iPhones/iPads (issue 9). A UDID is registered once: registering it
-- again (the device changed hands) moves it to the new owner.
CREATE TABLE "devices" (
    "id" UUID NOT NULL,
    "user_id" UUID,
    "udid" TEXT NOT NULL,
    "name" TEXT,
    "model" TEXT,
    "os_version" TEXT,
    "serial" TEXT,
    "imei" TEXT,
    "source" TEXT NOT NULL DEFAULT 'profile',
    "disabled_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "devices_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "devices_udid_key" ON "devices"("udid");
CREATE INDEX "devices_user_id_idx" ON "devices"("user_id");
ALTER TABLE "devices" ADD CONSTRAINT "devices_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Single-use enrollment challenges: only their SHA-256 is stored.
CREATE TABLE "device_enrollments" (
    "challenge_hash" TEXT NOT NULL,
    "user_id" UUID NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "used_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "device_enrollments_pkey" PRIMARY KEY ("challenge_hash")
);

CREATE INDEX "device_enrollments_user_id_idx" ON "device_enrollments"("user_id");
CREATE INDEX "device_enrollments_expires_at_idx" ON "device_enrollments"("expires_at");
ALTER TABLE "device_enrollments" ADD CONSTRAINT "device_enrollments_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
