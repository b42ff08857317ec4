import { visibleBuildsWhere, visibleChannelsWhere } from "@/lib/access/app-access";
import type { BuildAnalysis } from "@/lib/analysis/analyze-build";
import { prisma } from "@/lib/db/client";
import { isUuid } from "@/lib/db/ids";
import type { Prisma } from "@/lib/generated/prisma/client";
import {
  afterTimeCursor,
  encodeTimeCursor,
  type Page,
  type PageQuery,
  timeKeyOrder,
  toPage,
} from "@/lib/http/pagination";
import type { UserDto } from "@/lib/users/data";
import type { StoredCodeSignature } from "@/lib/verify/stored-code-signature";

/**
 * Builds, always loaded on behalf of a user and filtered by what that user may
 * see (lib/access/app-access.ts). Apps live in lib/apps/.
 */

/** What every view of a build carries. */
type BuildCore = {
  id: string;
  appId: string;
  bundleId: string;
  version: string;
  buildNumber: string;
  name: string;
  sizeBytes: number;
  sha256: string;
};

export type BuildDto = BuildCore & {
  minimumOsVersion: string | null;
  notes: string | null;
  createdAt: string;
  uploadedBy: string | null;
  /** What the analyser found; null only for rows stored before analysis existed. */
  analysis: StoredAnalysis | null;
  /** The code-signature report as stored (lib/verify/stored-code-signature.ts); null: not verified. */
  codeSignature: StoredCodeSignature | null;
  /** The app is restricted and granted to no group: only admins see it (e.g. a new app). */
  appAdminsOnly: boolean;
  /** The channels this build is in that the reader sees, by name. */
  channels: string[];
  /** The build this one was re-signed from (lib/signing/resign/), if any. */
  resignedFrom: string | null;
};

export type StoredAnalysis = BuildAnalysis & { uploadedTo?: { appId: string; bundleId: string } | null };

function readAnalysis(value: unknown): StoredAnalysis | null {
  if (value && typeof value === "object" && "ipa" in value) return value as StoredAnalysis;
  return null;
}

/** Internal record for serving a build's file; never sent to clients. */
export type BuildFile = BuildCore & {
  storageKey: string;
  createdAt: Date;
};

// The columns behind BuildCore, selected by every build query.
const buildCoreSelect = {
  id: true,
  appId: true,
  bundleId: true,
  version: true,
  buildNumber: true,
  name: true,
  sizeBytes: true,
  sha256: true,
} as const;

export const buildSelect = {
  ...buildCoreSelect,
  minimumOsVersion: true,
  notes: true,
  createdAt: true,
  metadata: true,
  codeSignature: true,
  resignedFromId: true,
  uploadedBy: { select: { email: true } },
  app: { select: { visibility: true, _count: { select: { groups: true } } } },
  channels: { select: { channel: { select: { name: true } } }, orderBy: { channel: { name: "asc" } } },
} as const;

type BuildRow = Prisma.BuildGetPayload<{ select: typeof buildSelect }>;

/** The select, with the build's channels narrowed to those `user` sees. */
function buildSelectFor(user: UserDto) {
  return { ...buildSelect, channels: { ...buildSelect.channels, where: { channel: visibleChannelsWhere(user) } } };
}

export function toBuildDto(row: BuildRow): BuildDto {
  return {
    id: row.id,
    appId: row.appId,
    bundleId: row.bundleId,
    version: row.version,
    buildNumber: row.buildNumber,
    name: row.name,
    minimumOsVersion: row.minimumOsVersion,
    sizeBytes: Number(row.sizeBytes),
    sha256: row.sha256,
    notes: row.notes,
    createdAt: row.createdAt.toISOString(),
    uploadedBy: row.uploadedBy?.email ?? null,
    analysis: readAnalysis(row.metadata),
    codeSignature: (row.codeSignature ?? null) as StoredCodeSignature | null,
    appAdminsOnly: row.app.visibility === "restricted" && row.app._count.groups === 0,
    channels: row.channels.map((c) => c.channel.name),
    resignedFrom: row.resignedFromId,
  };
}

/** One page of an app's builds `user` sees, newest first, keyset on (createdAt, id): lib/http/pagination.ts. */
export async function listBuildsPageFor(user: UserDto, appId: string, page: PageQuery): Promise<Page<BuildDto>> {
  if (!isUuid(appId)) return { items: [], nextCursor: null };
  const rows = await prisma().build.findMany({
    where: { AND: [{ appId }, visibleBuildsWhere(user), afterTimeCursor("createdAt", page.cursor)] },
    orderBy: timeKeyOrder("createdAt"),
    take: page.limit + 1,
    select: buildSelectFor(user),
  });
  return toPage(rows, page.limit, (row) => encodeTimeCursor({ at: row.createdAt, id: row.id }), toBuildDto);
}

export async function listBuildsFor(user: UserDto, appId: string): Promise<BuildDto[]> {
  if (!isUuid(appId)) return [];
  const rows = await prisma().build.findMany({
    where: { appId, ...visibleBuildsWhere(user) },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    select: buildSelectFor(user),
  });
  return rows.map(toBuildDto);
}

export async function getBuildFor(user: UserDto, appId: string, buildId: string): Promise<BuildDto | null> {
  if (!isUuid(appId) || !isUuid(buildId)) return null;
  const row = await prisma().build.findFirst({
    where: { id: buildId, appId, ...visibleBuildsWhere(user) },
    select: buildSelectFor(user),
  });
  return row ? toBuildDto(row) : null;
}

/** A build by id alone (the API's /builds/{id}), if `user` may see it. */
export async function getBuildByIdFor(user: UserDto, buildId: string): Promise<BuildDto | null> {
  if (!isUuid(buildId)) return null;
  const row = await prisma().build.findFirst({
    where: { id: buildId, ...visibleBuildsWhere(user) },
    select: buildSelectFor(user),
  });
  return row ? toBuildDto(row) : null;
}

/**
 * `build` as `user` may see it: re-read through their visibility (channels
 * narrowed to those they see), or, when they see none of its channels (a
 * re-upload of bytes that sit only in restricted channels), without its
 * notes, channels and uploader: only what the bytes themselves tell.
 */
export async function buildAsSeenBy(user: UserDto, build: BuildDto): Promise<{ build: BuildDto; visible: boolean }> {
  const seen = await getBuildFor(user, build.appId, build.id);
  if (seen) return { build: seen, visible: true };
  return { build: { ...build, notes: null, uploadedBy: null, channels: [] }, visible: false };
}

/** The file behind a build, if `user` may install it. */
export async function findBuildBySha256(user: UserDto, sha256: string): Promise<BuildDto | null> {
  const row = await prisma().build.findFirst({
    where: { sha256, ...visibleBuildsWhere(user) },
    orderBy: { createdAt: "asc" },
    select: buildSelectFor(user),
  });
  return row ? toBuildDto(row) : null;
}

/**
 * The app a build belongs to, unscoped: only for a caller that holds a genuine
 * install token for the build (lib/install-links/install-link-errors.ts links
 * a stale link's error page to the build's page, which checks access itself).
 */
export async function appIdOfBuild(buildId: string): Promise<string | null> {
  if (!isUuid(buildId)) return null;
  const row = await prisma().build.findUnique({ where: { id: buildId }, select: { appId: true } });
  return row?.appId ?? null;
}

export type NewBuild = {
  bundleId: string;
  appName: string;
  version: string;
  buildNumber: string;
  name: string;
  minimumOsVersion: string | null;
  sizeBytes: number;
  sha256: string;
  storageKey: string;
  notes: string | null;
  metadata: Prisma.InputJsonValue;
  /** The verifier's report (lib/verify); omitted: not verified. */
  codeSignature?: Prisma.InputJsonValue | null;
  uploadedById: string;
  /** The original of a re-signed build. */
  resignedFromId?: string | null;
  /** Channel name (already validated); null: the app's default channel. */
  channel: string | null;
};
