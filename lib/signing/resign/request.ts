import { type Actor, actorUserId } from "@/lib/access/actor";
import { authorize } from "@/lib/access/policy";
import { recordChange } from "@/lib/audit/audit";
import { getBuildByIdFor } from "@/lib/builds/data";
import { prisma } from "@/lib/db/client";
import { AppError, parseInput } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { enqueueJob, type Job } from "@/lib/jobs/jobs";
import { getSigningIdentity } from "@/lib/signing/identities/data";
import { getSigningProfile, type SigningProfileDto } from "@/lib/signing/profiles/data";
import { assertProfileFits } from "@/lib/signing/resign/fit";
import {
  RESIGN_JOB_KIND,
  type ResignJobPayload,
  type ResignRequest,
  resignRequestSchema,
} from "@/lib/signing/resign/schema";

/**
 * Asking for a re-sign: the request is checked (admin, the build, the
 * identity, each profile against the identity and the app) and queued as a
 * durable job (lib/jobs/) that runResignJob (./resign-build.ts) runs. Kept
 * apart from the job so routes and pages that queue re-signs load none of the
 * re-signer.
 */

async function requireBuild(by: Actor, buildId: string) {
  if (by.kind !== "user") throw new AppError("forbidden", "Re-signing is requested by a signed-in admin.");
  const build = await getBuildByIdFor(by.user, buildId);
  if (!build) throw new AppError("not_found", "No such build.");
  return build;
}

/** A checked request: what its job carries, and what the audit row says. */
export type PreparedResign = {
  build: { id: string; appId: string; bundleId: string; version: string; buildNumber: string };
  payload: ResignJobPayload;
  details: { identity: string; identitySerial: string; profiles: string[] };
};

/**
 * Checks a request without queuing anything: the admin, the build, the
 * identity, and what can be judged of each profile without the archive (so
 * the caller hears it at once).
 */
export async function prepareResign(input: ResignRequest, by: Actor): Promise<PreparedResign> {
  authorize(by, "signing.manage");
  const request = parseInput(resignRequestSchema, input);
  const build = await requireBuild(by, request.buildId);
  const identity = await getSigningIdentity(by, request.identityId);
  const profiles = new Map<string, SigningProfileDto>();
  for (const id of new Set([request.profileId, ...Object.values(request.profiles ?? {})])) {
    if (id) profiles.set(id, await getSigningProfile(by, id));
  }
  const forApp = request.profiles?.[build.bundleId] ?? request.profileId;
  for (const [bundleId, profileId] of Object.entries(request.profiles ?? {})) {
    const profile = profiles.get(profileId);
    if (profile) assertProfileFits(profile, identity, bundleId);
  }
  const appProfile = forApp ? profiles.get(forApp) : undefined;
  if (!appProfile) {
    throw new AppError(
      "bad_request",
      `Name a profile for the app itself (${build.bundleId}): "profileId", or "profiles": { "${build.bundleId}": "<profile id>" }.`,
    );
  }
  assertProfileFits(appProfile, identity, build.bundleId);
  return {
    build,
    payload: {
      buildId: build.id,
      identityId: identity.id,
      profileId: request.profileId ?? null,
      profiles: request.profiles ?? {},
      channels: [...new Set(request.channels ?? [])],
    },
    details: {
      identity: identity.commonName,
      identitySerial: identity.serial,
      profiles: [...profiles.values()].map((p) => `${p.name} (${p.uuid})`),
    },
  };
}

/** Queues a prepared re-sign inside the caller's transaction, audited (`build.resign`). */
export async function enqueueResign(tx: Prisma.TransactionClient, prepared: PreparedResign, by: Actor): Promise<Job> {
  const { build, payload } = prepared;
  const job = await enqueueJob({ kind: RESIGN_JOB_KIND, payload, createdById: actorUserId(by) }, tx);
  await recordChange(tx, by, {
    action: "build.resign",
    appId: build.appId,
    buildId: build.id,
    target: { type: "job", id: job.id },
    details: {
      version: build.version,
      buildNumber: build.buildNumber,
      ...prepared.details,
      channels: payload.channels,
    },
  });
  return job;
}

/** Checks a request and queues its job; returns the job. */
export async function requestResign(input: ResignRequest, by: Actor): Promise<Job> {
  const prepared = await prepareResign(input, by);
  return prisma().$transaction((tx) => enqueueResign(tx, prepared, by));
}
