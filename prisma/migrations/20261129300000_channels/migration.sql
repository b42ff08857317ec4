-- Channels (issue 7): named tracks per app, builds in one or more of them,
-- optionally restricted to groups; app description and retention.

ALTER TABLE "apps" ADD COLUMN "description" TEXT;
-- Once an admin names an app, uploads no longer rename it after the build.
ALTER TABLE "apps" ADD COLUMN "name_locked" BOOLEAN NOT NULL DEFAULT false;
-- Keep the newest N builds of each channel; NULL keeps everything.
ALTER TABLE "apps" ADD COLUMN "retain_per_channel" INTEGER;

CREATE TABLE "channels" (
    "id" UUID NOT NULL,
    "app_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "is_default" BOOLEAN NOT NULL DEFAULT false,
    "restricted" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "channels_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "channels_app_id_name_key" ON "channels"("app_id", "name");
ALTER TABLE "channels" ADD CONSTRAINT "channels_app_id_fkey" FOREIGN KEY ("app_id") REFERENCES "apps"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "channel_groups" (
    "channel_id" UUID NOT NULL,
    "group_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "channel_groups_pkey" PRIMARY KEY ("channel_id", "group_id")
);
CREATE INDEX "channel_groups_group_id_idx" ON "channel_groups"("group_id");
ALTER TABLE "channel_groups" ADD CONSTRAINT "channel_groups_channel_id_fkey" FOREIGN KEY ("channel_id") REFERENCES "channels"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "channel_groups" ADD CONSTRAINT "channel_groups_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "groups"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "build_channels" (
    "build_id" UUID NOT NULL,
    "channel_id" UUID NOT NULL,
    "added_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "build_channels_pkey" PRIMARY KEY ("build_id", "channel_id")
);
CREATE INDEX "build_channels_channel_id_added_at_idx" ON "build_channels"("channel_id", "added_at" DESC);
ALTER TABLE "build_channels" ADD CONSTRAINT "build_channels_build_id_fkey" FOREIGN KEY ("build_id") REFERENCES "builds"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "build_channels" ADD CONSTRAINT "build_channels_channel_id_fkey" FOREIGN KEY ("channel_id") REFERENCES "channels"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Existing apps get their default channel, holding every existing build.
INSERT INTO "channels" ("id", "app_id", "name", "is_default")
SELECT gen_random_uuid(), "id", 'default', true FROM "apps";
INSERT INTO "build_channels" ("build_id", "channel_id", "added_at")
SELECT b."id", c."id", b."created_at" FROM "builds" b JOIN "channels" c ON c."app_id" = b."app_id" AND c."is_default";
