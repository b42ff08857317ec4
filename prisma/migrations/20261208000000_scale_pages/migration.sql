-- Pages at company scale (issue 21). The visibility views (20261206130000) with their group checks correlated on
-- the user alone (`x IN (groups' grants of this user)`) instead of on both the
-- user and the row: same rows, but PostgreSQL no longer hashes every
-- (app, member) pair of the company to answer for one user. Measured on the
-- seeded company (bench/seed-scale.ts, 20,000 users in 500 groups): a member's
-- visible apps 148 ms → 3.7 ms (a few index lookups of the user's 1–2 groups
-- per candidate row). See docs/queries.md.

CREATE OR REPLACE VIEW "ferry_visible_apps" AS
SELECT u."id" AS "user_id", a."id" AS "app_id", u."role" = 'admin' AS "admin"
FROM "users" u
JOIN "apps" a ON u."role" = 'admin' OR a."visibility" = 'everyone' OR a."id" IN (
  SELECT ag."app_id" FROM "group_members" gm JOIN "app_groups" ag ON ag."group_id" = gm."group_id"
  WHERE gm."user_id" = u."id")
WHERE u."disabled_at" IS NULL;

CREATE OR REPLACE VIEW "ferry_visible_channels" AS
SELECT va."user_id", c."id" AS "channel_id", va."admin"
FROM "ferry_visible_apps" va
JOIN "channels" c ON c."app_id" = va."app_id"
WHERE va."admin" OR NOT c."restricted" OR c."id" IN (
  SELECT cg."channel_id" FROM "group_members" gm JOIN "channel_groups" cg ON cg."group_id" = gm."group_id"
  WHERE gm."user_id" = va."user_id");

-- How many builds of an app a reader sees (lib/apps/data.ts, the apps list): the distinct builds of the
-- channels they see, read from this index alone (the (channel_id, added_at) one needs the table for build_id).
CREATE INDEX "build_channels_channel_id_build_id_idx" ON "build_channels" ("channel_id", "build_id");

-- Audit search for an IP or the start of one (lib/audit/audit-search.ts): a prefix range of this index.
-- Through the trigram index a partial IP took ≈ 70 s at 20 million events (its trigrams are in every row).
CREATE INDEX "audit_events_ip_prefix_idx" ON "audit_events" ("ip" text_pattern_ops);
