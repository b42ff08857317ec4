import type { Actor } from "@/lib/access/actor";
import { authorize } from "@/lib/access/policy";
import { recordChange } from "@/lib/audit/audit";
import { prisma } from "@/lib/db/client";
import { AppError, parseInput } from "@/lib/errors";
import type { Job } from "@/lib/jobs/jobs";
import { getSigningIdentity } from "@/lib/signing/identities/data";
import { getSigningProfile, type SigningProfileDto } from "@/lib/signing/profiles/data";
import { appIdCovers } from "@/lib/signing/profiles/profile-contents";
import { enqueueResign, type PreparedResign, prepareResign } from "@/lib/signing/resign/request";
import { type RenewRequest, renewRequestSchema } from "@/lib/signing/resign/schema";

/**
 * "Renew N builds signed with it": when a provisioning profile is about to
 * expire, the builds people install from each channel stop launching that
 * day. A build counts when it is the newest of a channel (the one an install
 * link gives) and its embedded profile (the analysis' `profile.uuid`) is this
 * one. Renewing queues one re-sign job per such build with a newer profile,
 * landing in the channels it heads.
 */

/** Profiles expiring within this many days (or expired) offer renewal on Admin → Signing. */
export const RENEW_WITHIN_DAYS = 30;

export type RenewableBuild = {
  buildId: string;
  appId: string;
  appName: string;
  bundleId: string;
  version: string;
  buildNumber: string;
  /** The channels this build is the newest of. */
  channels: string[];
};

type Row = {
  uuid: string;
  build_id: string;
  app_id: string;
  app_name: string;
  bundle_id: string;
  version: string;
  build_number: string;
  channel: string;
};

/** The newest build of every channel whose embedded profile is one of `uuids`, grouped by profile UUID then build. */
async function renewableByUuid(uuids: string[]): Promise<Map<string, RenewableBuild[]>> {
  const out = new Map<string, RenewableBuild[]>();
  if (uuids.length === 0) return out;
  // Newest per channel as channel pages pick it: last added, ties by build id.
  const rows = await prisma().$queryRaw<Row[]>`
    SELECT newest.uuid, newest.build_id, newest.app_id, a.name AS app_name, newest.bundle_id,
           newest.version, newest.build_number, newest.channel
    FROM (
      SELECT DISTINCT ON (bc.channel_id) bc.channel_id, c.name AS channel, b.id AS build_id, b.app_id,
             b.bundle_id, b.version, b.build_number, b.created_at, b.metadata #>> '{profile,uuid}' AS uuid
      FROM build_channels bc
      JOIN builds b ON b.id = bc.build_id
      JOIN channels c ON c.id = bc.channel_id
      ORDER BY bc.channel_id, bc.added_at DESC, bc.build_id DESC
    ) newest
    JOIN apps a ON a.id = newest.app_id
    WHERE newest.uuid = ANY(${uuids}::text[])
    ORDER BY a.name, newest.created_at DESC, newest.channel`;
  for (const row of rows) {
    const list = out.get(row.uuid) ?? [];
    const existing = list.find((b) => b.buildId === row.build_id);
    if (existing) existing.channels.push(row.channel);
    else {
      list.push({
        buildId: row.build_id,
        appId: row.app_id,
        appName: row.app_name,
        bundleId: row.bundle_id,
        version: row.version,
        buildNumber: row.build_number,
        channels: [row.channel],
      });
    }
    out.set(row.uuid, list);
  }
  return out;
}

/** Admins: the builds renewing `profileId` would re-sign. */
export async function listRenewableBuilds(by: Actor, profileId: string): Promise<RenewableBuild[]> {
  authorize(by, "signing.manage");
  const profile = await getSigningProfile(by, profileId);
  return (await renewableByUuid([profile.uuid])).get(profile.uuid) ?? [];
}

/** Admins: how many builds each profile could renew, by profile id (the list's `renewableBuilds`). */
export async function renewableBuildCounts(by: Actor, profiles: SigningProfileDto[]): Promise<Map<string, number>> {
  authorize(by, "signing.manage");
  const byUuid = await renewableByUuid(profiles.map((p) => p.uuid));
  return new Map(profiles.map((p) => [p.id, byUuid.get(p.uuid)?.length ?? 0]));
}

/** Whether a profile expires within RENEW_WITHIN_DAYS of `now` (or has expired). */
export function expiresSoon(profile: { notAfter: string }, now = Date.now()): boolean {
  return Date.parse(profile.notAfter) < now + RENEW_WITHIN_DAYS * 24 * 3600 * 1000;
}

/**
 * Why `candidate` cannot replace `old` for `builds` (null: it can): the same
 * team, an app id covering every build's app, and a later expiry that has not
 * passed. Extensions' bundle ids are checked by each job, before anything is written.
 */
export function renewalRefusal(
  old: SigningProfileDto,
  candidate: SigningProfileDto,
  builds: RenewableBuild[],
  now = Date.now(),
): AppError | null {
  if (candidate.id === old.id || Date.parse(candidate.notAfter) <= Math.max(Date.parse(old.notAfter), now)) {
    return new AppError(
      "signing_profile_not_newer",
      `The provisioning profile "${candidate.name}" expires on ${candidate.notAfter.slice(0, 10)}, not after "${old.name}" (${old.notAfter.slice(0, 10)}): pick a newer one.`,
    );
  }
  if (old.teamId && candidate.teamId !== old.teamId) {
    return new AppError(
      "signing_profile_team_mismatch",
      `The provisioning profile "${candidate.name}" belongs to team ${candidate.teamId ?? "(none)"}, the builds to renew to team ${old.teamId}.`,
    );
  }
  const uncovered = [...new Set(builds.map((b) => b.bundleId))].filter(
    (id) => !appIdCovers(candidate.appIdPattern, id),
  );
  if (uncovered.length > 0) {
    return new AppError(
      "signing_profile_app_id_mismatch",
      `The provisioning profile "${candidate.name}" is for the app id ${candidate.appIdPattern}, which does not cover ${uncovered.join(", ")}.`,
    );
  }
  return null;
}

/**
 * Admins: re-signs the newest build of every channel that embeds `profileId`
 * with `newProfileId` and `identityId`: every request is checked first
 * (nothing is queued if one is refused), then the jobs are queued in one
 * transaction with one `signing_profile.renew` audit row besides each `build.resign`.
 */
export async function renewProfileBuilds(
  input: RenewRequest,
  by: Actor,
): Promise<{ job: Job; buildId: string; channels: string[] }[]> {
  authorize(by, "signing.manage");
  const request = parseInput(renewRequestSchema, input);
  const old = await getSigningProfile(by, request.oldProfileId);
  const candidate = await getSigningProfile(by, request.profileId);
  const identity = await getSigningIdentity(by, request.identityId);
  const builds = (await renewableByUuid([old.uuid])).get(old.uuid) ?? [];
  const refusal = renewalRefusal(old, candidate, builds);
  if (refusal) throw refusal;
  const prepared: PreparedResign[] = [];
  for (const build of builds) {
    prepared.push(
      await prepareResign(
        { buildId: build.buildId, identityId: identity.id, profileId: candidate.id, channels: build.channels },
        by,
      ),
    );
  }
  return prisma().$transaction(async (tx) => {
    const jobs = [];
    for (const [i, p] of prepared.entries()) {
      jobs.push({ job: await enqueueResign(tx, p, by), buildId: p.build.id, channels: builds[i]?.channels ?? [] });
    }
    await recordChange(tx, by, {
      action: "signing_profile.renew",
      target: { type: "signing_profile", id: old.id },
      details: {
        uuid: old.uuid,
        name: old.name,
        newProfile: `${candidate.name} (${candidate.uuid})`,
        identity: identity.commonName,
        builds: jobs.map((j) => j.buildId),
        jobs: jobs.map((j) => j.job.id),
      },
    });
    return jobs;
  });
}
