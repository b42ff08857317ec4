import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { type Actor, actorUserId, userActor } from "@/lib/access/actor";
import { authorize } from "@/lib/access/policy";
import { recordAudit, recordChange } from "@/lib/audit/audit";
import { getBuildByIdFor } from "@/lib/builds/data";
import { promoteBuild } from "@/lib/channels/mutations";
import { env } from "@/lib/config/env";
import { prisma } from "@/lib/db/client";
import { AppError, parseInput } from "@/lib/errors";
import { enqueueJob, type Job } from "@/lib/jobs/jobs";
import { createCodeDirectorySigner } from "@/lib/signing/cms-signer";
import { certificateFingerprint, getSigningIdentity, loadIdentityForSigning } from "@/lib/signing/identities/data";
import { getSigningProfile, loadProfileForSigning, type SigningProfileDto } from "@/lib/signing/profiles/data";
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
import { uploadTmpDir } from "@/lib/storage/build-files";
import { buildStorage } from "@/lib/storage/storage";
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

/** Checks a request and queues its job; returns the job. */
export async function requestResign(input: ResignRequest, by: Actor): Promise<Job> {
  authorize(by, "signing.manage");
  const request = parseInput(resignRequestSchema, input);
  const build = await requireBuild(by, request.buildId);
  const identity = await getSigningIdentity(by, request.identityId);
  const profiles = new Map<string, SigningProfileDto>();
  for (const id of new Set([request.profileId, ...Object.values(request.profiles ?? {})])) {
    if (id) profiles.set(id, await getSigningProfile(by, id));
  }
  // What can be judged without the archive is judged now, so the caller hears it at once.
  const fit = { ...identity, notAfter: identity.notAfter };
  const forApp = request.profiles?.[build.bundleId] ?? request.profileId;
  for (const [bundleId, profileId] of Object.entries(request.profiles ?? {})) {
    const profile = profiles.get(profileId);
    if (profile) assertProfileFits(profile, fit, bundleId);
  }
  const appProfile = forApp ? profiles.get(forApp) : undefined;
  if (!appProfile) {
    throw new AppError(
      "bad_request",
      `Name a profile for the app itself (${build.bundleId}): "profileId", or "profiles": { "${build.bundleId}": "<profile id>" }.`,
    );
  }
  assertProfileFits(appProfile, fit, build.bundleId);
  const payload: ResignJobPayload = {
    buildId: build.id,
    identityId: identity.id,
    profileId: request.profileId ?? null,
    profiles: request.profiles ?? {},
    channels: [...new Set(request.channels ?? [])],
  };
  return prisma().$transaction(async (tx) => {
    const job = await enqueueJob({ kind: RESIGN_JOB_KIND, payload, createdById: actorUserId(by) }, tx);
    await recordChange(tx, by, {
      action: "build.resign",
      appId: build.appId,
      buildId: build.id,
      target: { type: "job", id: job.id },
      details: {
        version: build.version,
        buildNumber: build.buildNumber,
        identity: identity.commonName,
        identitySerial: identity.serial,
        profiles: [...profiles.values()].map((p) => `${p.name} (${p.uuid})`),
        channels: payload.channels,
      },
    });
    return job;
  });
}

/** The bytes of a stored build as a local file (the file itself on a local disk, a copy from a bucket). */
async function localCopyOf(storageKey: string, workDir: string): Promise<string> {
  const storage = buildStorage();
  const local = storage.localPath(storageKey);
  if (local) return local;
  const file = path.join(workDir, "original.ipa");
  await pipeline(await storage.read(storageKey), createWriteStream(file));
  return file;
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
  const tmpDir = uploadTmpDir(env().dataDir);
  await fs.mkdir(tmpDir, { recursive: true });
  const workDir = await fs.mkdtemp(path.join(tmpDir, "resign-"));
  try {
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
    const output = path.join(tmpDir, `resigned-${job.id}.ipa`);
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
  } finally {
    await fs.rm(workDir, { recursive: true, force: true });
  }
}
