-- The channel whose newest build leads an app's install page and the app list
-- (issue 18). NULL: a channel named "production", else "default", else the
-- newest build (lib/channels/default-channel.ts). Deleting the channel clears it.
ALTER TABLE "apps" ADD COLUMN "default_channel_id" UUID;
ALTER TABLE "apps" ADD CONSTRAINT "apps_default_channel_id_fkey" FOREIGN KEY ("default_channel_id") REFERENCES "channels"("id") ON DELETE SET NULL ON UPDATE CASCADE;
CREATE INDEX "apps_default_channel_id_idx" ON "apps"("default_channel_id");
