-- Who sees what (issue 19), defined once, here. The Prisma filters
-- (lib/access/app-access.ts, through the VisibleApp, VisibleChannel and
-- VisibleBuild models) and the install-link resolver
-- (lib/install-links/resolve-install-token.ts) both read these views, so the
-- pages and the iPhone's cookie-less requests cannot disagree.
--
-- - disabled users: nothing;
-- - admins: every app, channel and build;
-- - others: apps visible to everyone or granted to one of their groups;
--   within those, unrestricted channels and restricted ones granted to one of
--   their groups; builds of a visible app in at least one visible channel.
--
-- Plain views (no aggregates, no DISTINCT): the planner inlines them, so
-- `user_id = $1 AND build_id = b.id` costs a few primary-key and index
-- lookups, never a scan of users × builds. Each layer carries `admin` so the
-- next one does not join users again.

CREATE VIEW "ferry_visible_apps" AS
SELECT u."id" AS "user_id", a."id" AS "app_id", u."role" = 'admin' AS "admin"
FROM "users" u
JOIN "apps" a ON u."role" = 'admin' OR a."visibility" = 'everyone' OR EXISTS (
  SELECT 1 FROM "app_groups" ag JOIN "group_members" gm ON gm."group_id" = ag."group_id"
  WHERE ag."app_id" = a."id" AND gm."user_id" = u."id")
WHERE u."disabled_at" IS NULL;

CREATE VIEW "ferry_visible_channels" AS
SELECT va."user_id", c."id" AS "channel_id", va."admin"
FROM "ferry_visible_apps" va
JOIN "channels" c ON c."app_id" = va."app_id"
WHERE va."admin" OR NOT c."restricted" OR EXISTS (
  SELECT 1 FROM "channel_groups" cg JOIN "group_members" gm ON gm."group_id" = cg."group_id"
  WHERE cg."channel_id" = c."id" AND gm."user_id" = va."user_id");

CREATE VIEW "ferry_visible_builds" AS
SELECT va."user_id", b."id" AS "build_id"
FROM "ferry_visible_apps" va
JOIN "builds" b ON b."app_id" = va."app_id"
WHERE va."admin" OR EXISTS (
  SELECT 1 FROM "build_channels" bc JOIN "ferry_visible_channels" vc ON vc."channel_id" = bc."channel_id"
  WHERE bc."build_id" = b."id" AND vc."user_id" = va."user_id");
