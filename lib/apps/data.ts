import type { Actor } from "@/lib/access/actor";
import { uploadableAppsWhere, visibleAppsWhere } from "@/lib/access/app-access";
import { type Action, authorize, can, type Who } from "@/lib/access/policy";
import { leadOf } from "@/lib/channels/default-channel";
import { prisma } from "@/lib/db/client";
import { isUuid } from "@/lib/db/ids";
import { AppError } from "@/lib/errors";
import type { AppVisibility, Prisma } from "@/lib/generated/prisma/client";
import {
  afterTimeCursor,
  decodeCursor,
  encodeCursor,
  encodeTimeCursor,
  type Page,
  type PageQuery,
  timeKeyOrder,
  toPage,
} from "@/lib/http/pagination";
import type { UserDto } from "@/lib/users/data";

/**
 * Apps (one per bundle id). Employees' queries are scoped by what the user may
 * see (lib/access/app-access.ts); the admin lookups at the end are for
 * mutations and admin pages, which check the role first.
 */

export type AppDto = {
  id: string;
  bundleId: string;
  name: string;
  buildCount: number;
  /** The newest build the reader sees. */
  latest: { id: string; version: string; buildNumber: string; createdAt: string } | null;
  /** The app's default channel (lib/channels/default-channel.ts), when the reader sees it. */
  defaultChannel: string | null;
  /** The build the app leads with: the default channel's newest the reader sees, else `latest`. */
  lead: { id: string; version: string; buildNumber: string; createdAt: string } | null;
  updatedAt: string;
  /** Restricted and granted to no group: only admins see it. */
  adminsOnly: boolean;
};

/** Every app `user` sees, most recently updated first (tests and small lists; pages use listAppsPageFor). */
export async function listAppsFor(user: UserDto): Promise<AppDto[]> {
  const rows = await appRowsFor(user, {});
  return rows.map(await appDtosFor(user, rows));
}

/** One page of listAppsFor (the home page and the API), keyset on (updatedAt, id): lib/http/pagination.ts. */
export async function listAppsPageFor(user: UserDto, page: PageQuery): Promise<Page<AppDto>> {
  const rows = await appRowsFor(user, { cursor: page.cursor, take: page.limit + 1 });
  const toDto = await appDtosFor(user, rows.slice(0, page.limit));
  return toPage(rows, page.limit, (row) => encodeTimeCursor({ at: row.updatedAt, id: row.id }), toDto);
}

async function appRowsFor(user: UserDto, page: { cursor?: string; take?: number }) {
  return prisma().app.findMany({
    where: { AND: [visibleAppsWhere(user), afterTimeCursor("updatedAt", page.cursor)] },
    orderBy: timeKeyOrder("updatedAt"),
    take: page.take,
    select: {
      id: true,
      bundleId: true,
      name: true,
      updatedAt: true,
      visibility: true,
      _count: { select: { groups: true } },
    },
  });
}

type BuildSummary = { id: string; version: string; buildNumber: string; createdAt: Date };

/** How many of an app's newest builds are tried before all of them (buildSummariesFor). */
const NEWEST_CANDIDATES = 20;

/**
 * Per app of a page, how many builds `user` sees and the newest of them, in
 * one statement: the builds of the app's channels `user` sees (a build is
 * seen through a channel holding it: ferry_visible_builds; a channel holds
 * only its own app's builds), counted from build_channels (channel_id,
 * build_id) alone; the newest is the first such build down builds (app_id,
 * created_at). Prisma's `_count` and `take: 1` with the
 * visibility filter joined the whole view instead (≈ 340 ms for a member's
 * first page at 2 million audit events).
 *
 * The newest is looked for among the app's NEWEST_CANDIDATES newest builds
 * first, down builds (app_id, created_at); only when none of them is seen
 * (UNION ALL under LIMIT 1 runs the second branch only then) among them all.
 * With one statement PostgreSQL cannot tell how few of an app's builds the
 * reader sees, so it read every build of each app from the heap and sorted
 * them: 25–45 ms of the home page's 40 ms of database time on the seeded
 * database, 14–21 ms this way (bench/README.md, docs/queries.md).
 */
async function buildSummariesFor(
  user: UserDto,
  appIds: string[],
): Promise<Map<string, { count: number; newest: BuildSummary | null }>> {
  if (appIds.length === 0) return new Map();
  const rows = await prisma().$queryRaw<
    {
      app_id: string;
      count: number;
      id: string | null;
      version: string | null;
      build_number: string | null;
      created_at: Date | null;
    }[]
  >`
    SELECT a.id::text AS app_id, n.count, newest.id, newest.version, newest.build_number, newest.created_at
    FROM unnest(${appIds}::uuid[]) AS a(id)
    CROSS JOIN LATERAL (
      SELECT array_agg(c.id) AS ids FROM channels c
      WHERE c.app_id = a.id
        AND EXISTS (SELECT 1 FROM ferry_visible_channels vc WHERE vc.user_id = ${user.id}::uuid AND vc.channel_id = c.id)
    ) seen
    CROSS JOIN LATERAL (
      SELECT count(DISTINCT bc.build_id)::int AS count FROM build_channels bc WHERE bc.channel_id = ANY(seen.ids)
    ) n
    LEFT JOIN LATERAL (
      (SELECT t.id::text AS id, t.version, t.build_number, t.created_at
       FROM (SELECT b.id, b.version, b.build_number, b.created_at FROM builds b WHERE b.app_id = a.id
             ORDER BY b.created_at DESC, b.id DESC LIMIT ${NEWEST_CANDIDATES}) t
       WHERE EXISTS (SELECT 1 FROM build_channels bc WHERE bc.build_id = t.id AND bc.channel_id = ANY(seen.ids))
       ORDER BY t.created_at DESC, t.id DESC LIMIT 1)
      UNION ALL
      (SELECT b.id::text AS id, b.version, b.build_number, b.created_at FROM builds b
       WHERE b.app_id = a.id
         AND EXISTS (SELECT 1 FROM build_channels bc WHERE bc.build_id = b.id AND bc.channel_id = ANY(seen.ids))
       ORDER BY b.created_at DESC, b.id DESC LIMIT 1)
      LIMIT 1
    ) newest ON true`;
  return new Map(
    rows.map((row) => [
      row.app_id,
      {
        count: row.count,
        newest:
          row.id !== null && row.version !== null && row.build_number !== null && row.created_at !== null
            ? { id: row.id, version: row.version, buildNumber: row.build_number, createdAt: row.created_at }
            : null,
      },
    ]),
  );
}

type AppRow = Awaited<ReturnType<typeof appRowsFor>>[number];

/** The DTO maker for these rows: each app's lead (lib/channels/default-channel.ts) looked up at once. */
async function appDtosFor(user: UserDto, rows: AppRow[]): Promise<(row: AppRow) => AppDto> {
  const ids = rows.map((row) => row.id);
  const [leads, summaries] = await Promise.all([leadOf(user, ids), buildSummariesFor(user, ids)]);
  return (row) => {
    const summary = summaries.get(row.id);
    const newest = summary?.newest;
    const latest = newest
      ? {
          id: newest.id,
          version: newest.version,
          buildNumber: newest.buildNumber,
          createdAt: newest.createdAt.toISOString(),
        }
      : null;
    const lead = leads.get(row.id);
    return {
      id: row.id,
      bundleId: row.bundleId,
      name: row.name,
      buildCount: summary?.count ?? 0,
      latest,
      defaultChannel: lead?.channel ?? null,
      lead: lead?.build ?? latest,
      updatedAt: row.updatedAt.toISOString(),
      adminsOnly: row.visibility === "restricted" && row._count.groups === 0,
    };
  };
}

export async function getAppFor(
  user: UserDto,
  appId: string,
): Promise<{ id: string; bundleId: string; name: string; description: string | null } | null> {
  if (!isUuid(appId)) return null;
  return prisma().app.findFirst({
    where: { AND: [{ id: appId }, visibleAppsWhere(user)] },
    select: { id: true, bundleId: true, name: true, description: true },
  });
}

export type AppAccessDto = {
  id: string;
  name: string;
  bundleId: string;
  visibility: AppVisibility;
  groups: { id: string; name: string }[];
  buildCount: number;
};

/** Every app with its groups: admins only (403 for anyone else). */
export async function listAppAccess(who: Who): Promise<AppAccessDto[]> {
  authorize(who, "app.manage");
  return (await appAccessRows({})).map(toAppAccessDto);
}

/**
 * One page of listAppAccess by name (the admin's Apps page), keyset on
 * (name, id): lib/http/pagination.ts. Admins only.
 */
export async function listAppAccessPage(who: Who, page: PageQuery): Promise<Page<AppAccessDto>> {
  authorize(who, "app.manage");
  let after: Prisma.AppWhereInput = {};
  if (page.cursor) {
    const [name, id] = decodeCursor(page.cursor, 2);
    if (!id || !isUuid(id))
      throw new AppError("bad_request", "This cursor is not one Ferry gave: start again from the first page.");
    after = { OR: [{ name: { gt: name } }, { name, id: { gt: id } }] };
  }
  const rows = await appAccessRows({ where: after, take: page.limit + 1 });
  return toPage(rows, page.limit, (row) => encodeCursor([row.name, row.id]), toAppAccessDto);
}

function appAccessRows(page: { where?: Prisma.AppWhereInput; take?: number }) {
  return prisma().app.findMany({
    where: page.where ?? {},
    orderBy: [{ name: "asc" }, { id: "asc" }],
    take: page.take,
    select: {
      id: true,
      name: true,
      bundleId: true,
      visibility: true,
      groups: { select: { group: { select: { id: true, name: true } } }, orderBy: { group: { name: "asc" } } },
      _count: { select: { builds: true } },
    },
  });
}

function toAppAccessDto(a: Awaited<ReturnType<typeof appAccessRows>>[number]): AppAccessDto {
  return {
    id: a.id,
    name: a.name,
    bundleId: a.bundleId,
    visibility: a.visibility,
    groups: a.groups.map((g) => g.group),
    buildCount: a._count.builds,
  };
}

export async function findAppById(
  id: string,
): Promise<{ id: string; name: string; bundleId: string; visibility: AppVisibility } | null> {
  if (!isUuid(id)) return null;
  return prisma().app.findUnique({ where: { id }, select: { id: true, name: true, bundleId: true, visibility: true } });
}

/** How many apps exist (admin pages: whether to offer a grant). */
export async function countApps(): Promise<number> {
  return prisma().app.count();
}

/**
 * The app with the bundle id `nameOrBundleId`, else the one app with that display name (the admin's "grant an
 * app" input, instead of a list of every app). Null when none; an error when several apps share the name.
 */
export async function findAppByNameOrBundleId(nameOrBundleId: string): Promise<{ id: string; name: string } | null> {
  const text = nameOrBundleId.trim();
  const byBundle = await prisma().app.findUnique({ where: { bundleId: text }, select: { id: true, name: true } });
  if (byBundle) return byBundle;
  const named = await prisma().app.findMany({ where: { name: text }, select: { id: true, name: true }, take: 2 });
  if (named.length > 1) throw new AppError("bad_request", `Several apps are called ${text}: enter the bundle id.`);
  return named[0] ?? null;
}

export async function isAppGranted(appId: string, groupId: string): Promise<boolean> {
  const row = await prisma().appGroup.findUnique({
    where: { appId_groupId: { appId, groupId } },
    select: { appId: true },
  });
  return row !== null;
}

/**
 * Throws 403 unless `actor` may manage the builds of app `appId` (promote,
 * edit notes, delete): admins, the CLI and Ferry itself any app; uploaders
 * apps granted to one of their groups.
 */
export async function assertMayPublishToApp(
  actor: Actor,
  appId: string,
  action: Extract<
    Action,
    "build.edit" | "build.promote" | "build.delete" | "channel.rename" | "channel.delete" | "update-key.manage"
  >,
): Promise<void> {
  if (actor.kind !== "user") return;
  const allowed =
    can(actor, action) &&
    (await prisma().app.count({ where: { AND: [{ id: appId }, uploadableAppsWhere(actor.user)] } })) > 0;
  if (!allowed) {
    throw new AppError("forbidden", "Only admins and this app's uploaders can change its builds and channels.");
  }
}

/**
 * Whether `user` may do `action` to the builds and channels of `appId` (the
 * app's publishers): what pages ask before showing a control, so nobody sees
 * one they would be refused (the mutations check again).
 */
export async function mayPublishToApp(
  user: UserDto,
  appId: string,
  action: Extract<Action, "build.edit" | "build.promote" | "build.delete" | "channel.rename" | "channel.delete">,
): Promise<boolean> {
  if (!can(user, action) || !isUuid(appId)) return false;
  return (await prisma().app.count({ where: { AND: [{ id: appId }, uploadableAppsWhere(user)] } })) > 0;
}

/**
 * Throws 403 unless `user` may publish a build of `bundleId`: to an existing
 * app granted to them (admins: any), or as a new app (admins only). The
 * message is the same either way so it does not reveal which apps exist.
 */
export async function assertMayUpload(user: UserDto, bundleId: string): Promise<void> {
  const app = await prisma().app.findUnique({ where: { bundleId }, select: { id: true } });
  const allowed = app
    ? (await prisma().app.count({ where: { AND: [{ id: app.id }, uploadableAppsWhere(user)] } })) > 0
    : can(user, "app.create");
  if (!allowed) {
    throw new AppError(
      "forbidden",
      `You can't publish builds of ${bundleId}: admins add new apps, and uploaders publish to apps granted to one of their groups.`,
    );
  }
}

export type StorageUsage = { totalBytes: number; perApp: Map<string, number> };

/**
 * Bytes stored in total and for each of `appIds` (the admin page's apps). Files are content-addressed,
 * so identical bytes count once in the total; within an app a file is one build ((app_id, sha256) is
 * unique), so an app's bytes are a plain sum over its builds' index range. The total reads
 * builds_sha256_size_idx in order (migration 20261208120000): every app's builds DISTINCTed
 * through a sort took 160 ms of the database for each admin page view at 40,000 builds.
 */
export async function storageUsage(appIds: string[]): Promise<StorageUsage> {
  const ids = appIds.filter(isUuid);
  const [perApp, total] = await Promise.all([
    ids.length === 0
      ? []
      : prisma().$queryRaw<{ app_id: string; bytes: bigint | null }[]>`
          SELECT app_id::text AS app_id, sum(size_bytes)::bigint AS bytes
          FROM builds WHERE app_id = ANY(${ids}::uuid[]) GROUP BY app_id`,
    prisma().$queryRaw<{ bytes: bigint | null }[]>`
      SELECT sum(size_bytes)::bigint AS bytes FROM (SELECT DISTINCT ON (sha256) size_bytes FROM builds ORDER BY sha256) stored`,
  ]);
  return {
    totalBytes: Number(total[0]?.bytes ?? 0),
    perApp: new Map(perApp.map((row) => [row.app_id, Number(row.bytes ?? 0)])),
  };
}

/** Admin-only details for the app settings: description, retention and the default channel admins picked. */
/** The settings of `appIds` (a page of the admin's Apps page), or of every app when none are given. */
export async function listAppSettings(appIds?: string[]): Promise<
  {
    id: string;
    name: string;
    description: string | null;
    retainPerChannel: number | null;
    defaultChannelId: string | null;
  }[]
> {
  return prisma().app.findMany({
    where: appIds ? { id: { in: appIds.filter(isUuid) } } : {},
    orderBy: { name: "asc" },
    select: { id: true, name: true, description: true, retainPerChannel: true, defaultChannelId: true },
  });
}
