import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { type Actor, actorUserId, userActor } from "@/lib/access/actor";
import { authorize } from "@/lib/access/policy";
import { recordAudit, recordChange } from "@/lib/audit/audit";
import { getBuildByIdFor } from "@/lib/builds/data";
import { promoteBuild } from "@/lib/channels/mutations";
import { prisma } from "@/lib/db/client";
import { AppError, parseInput } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { enqueueJob, type Job } from "@/lib/jobs/jobs";
import { createCodeDirectorySigner } from "@/lib/signing/cms-signer";
import { certificateFingerprint, getSigningIdentity, loadIdentityForSigning } from "@/lib/signing/identities/data";
import { getSigningProfile, loadProfileForSigning, type SigningProfileDto } from "@/lib/signing/profiles/data";
import { localCopyOf, withWorkDir } from "@/lib/signing/resign/archive";
import {
  assertProfileFits,
  type BundlePlan,
  type EntitlementChange,
  planResign,
  readProvisionedBundles,
} from "@/lib/signing/resign/plan";
import {
  RESIGN_JOB_KIND,
  type ResignJobPayload,
  type ResignRequest,
  resignRequestSchema,
} from "@/lib/signing/resign/schema";
import { resignIpa } from "@/lib/signing/resign-ipa";
import { ingestBuild } from "@/lib/upload/ingest-build";
import { findUserById } from "@/lib/users/data";
import { enqueueBuildResigned } from "@/lib/webhooks/deliveries";

/**
 * Re-signing a stored build with an identity and profile(s) admins added.
 * The request is checked (admin, the build, the identity, each profile
 * against the identity and the app) and queued as a durable job
 * (lib/jobs/). The job plans first (every bundle's profile and rewritten
 * entitlements: a profile that does not grant what the app uses fails here,
 * before anything is written), then re-signs, then stores the result like an
 * upload (analysed, verified, audited, `build.created`), as a new build of
 * the same app, `resignedFrom` the original, then `build.resigned`.
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

async function hashFile(file: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest("hex"), size };
}

async function fsyncFile(file: string): Promise<void> {
  const handle = await fs.open(file, "r+");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export type ResignJobResult = { buildId: string; changes: { bundleId: string; changes: EntitlementChange[] }[] };

/** The `build.resign` job handler (lib/jobs/handlers.ts). Safe to run again after a lost lease. */
export async function runResignJob(job: Job): Promise<ResignJobResult> {
  const payload = job.payload as unknown as ResignJobPayload;
  const requester = job.createdById ? await findUserById(job.createdById) : null;
  if (!requester || requester.disabled || requester.role !== "admin") {
    throw new AppError("forbidden", "The admin who asked for this re-sign is no longer an admin.");
  }
  const original = await prisma().build.findUnique({
    where: { id: payload.buildId },
    select: { id: true, appId: true, bundleId: true, storageKey: true, notes: true },
  });
  if (!original) throw new AppError("not_found", "The build to re-sign was deleted.");

  // Done before (the job's earlier attempt stored it, then lost its lease): the same build is the answer.
  const earlier = await prisma().build.findFirst({
    where: { resignedFromId: original.id, metadata: { path: ["resign", "jobId"], equals: job.id } },
    select: { id: true },
  });
  if (earlier) return { buildId: earlier.id, changes: [] };

  const identity = await loadIdentityForSigning(payload.identityId);
  const defaultProfile = payload.profileId ? await loadProfileForSigning(payload.profileId) : null;
  const byBundle = new Map<string, Awaited<ReturnType<typeof loadProfileForSigning>>>();
  for (const [bundleId, profileId] of Object.entries(payload.profiles)) {
    byBundle.set(bundleId, await loadProfileForSigning(profileId));
  }
  try {
    // A fixed folder per job: a retry after a crash first removes what the killed attempt left.
    return await withWorkDir(`resign-${job.id}`, async (workDir) => {
      const input = await localCopyOf(original.storageKey, workDir);
      const bundles = await readProvisionedBundles(input);
      const plan: BundlePlan[] = planResign({
        bundles,
        identity: { ...identity, fingerprint: certificateFingerprint(identity.certificate) },
        defaultProfile,
        profilesByBundleId: byBundle,
      });
      const profileData = new Map<string, Buffer>();
      for (const p of [defaultProfile, ...byBundle.values()]) if (p) profileData.set(p.id, p.data);
      const output = path.join(workDir, "resigned.ipa");
      // The job's creation time as signing time: a retry of the same job writes the same signature.
      const signer = createCodeDirectorySigner(identity, { signingTime: job.createdAt });
      await resignIpa(input, output, {
        certificateCommonName: identity.commonName,
        teamId: identity.teamId ?? defaultProfile?.teamId ?? "",
        signer,
        profiles: new Map(plan.map((b) => [b.dir, profileData.get(b.profileId) ?? Buffer.alloc(0)])),
        entitlements: new Map(plan.map((b) => [b.dir, b.entitlementsXml])),
        tempDir: workDir,
      });
      const { sha256, size } = await hashFile(output);
      const [first, ...more] = payload.channels;
      const result = await ingestBuild({
        file: { path: output, size, sha256, durable: fsyncFile(output) },
        uploader: requester,
        via: "resign",
        context: { ip: null, userAgent: null },
        notes: original.notes,
        targetAppId: original.appId,
        channel: first ?? null,
        resign: { fromBuildId: original.id, jobId: job.id },
      });
      const actor = userActor(requester, { ip: null, userAgent: null });
      for (const channel of more) await promoteBuild({ buildId: result.build.id, channel }, actor);
      if (result.created) await enqueueBuildResigned(result.build);
      return {
        buildId: result.build.id,
        changes: plan.map((b) => ({ bundleId: b.bundleId, changes: b.changes })),
      };
    });
  } catch (error) {
    await recordAudit({
      action: "build.resign_failed",
      actor: requester,
      appId: original.appId,
      buildId: original.id,
      target: { type: "job", id: job.id },
      details: { code: error instanceof AppError ? error.code : "internal", attempt: job.attempts },
    });
    throw error;
  }
}
