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
-- lookups, never a scan of users × builds. Each layer builds on the one
-- before and carries `admin`, so it does not join users again.

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

-- A build is seen through the channels holding it: every build is in at least
-- one channel of its own app (uploads land in the default one; channels are
-- never deleted), so admins, who see every channel, see every build. A build
-- in two visible channels gives two rows: query it with EXISTS/IN only.
CREATE VIEW "ferry_visible_builds" AS
SELECT vc."user_id", bc."build_id"
FROM "ferry_visible_channels" vc
JOIN "build_channels" bc ON bc."channel_id" = vc."channel_id";
