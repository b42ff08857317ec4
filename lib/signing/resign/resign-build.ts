import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { userActor } from "@/lib/access/actor";
import { recordAudit } from "@/lib/audit/audit";
import { getBuildByIdFor } from "@/lib/builds/data";
import { promoteBuild } from "@/lib/channels/mutations";
import { prisma } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import type { Job } from "@/lib/jobs/jobs";
import { createCodeDirectorySigner } from "@/lib/signing/cms-signer";
import { certificateFingerprint, loadIdentityForSigning } from "@/lib/signing/identities/data";
import { loadProfileForSigning } from "@/lib/signing/profiles/data";
import { localCopyOf, withWorkDir } from "@/lib/signing/resign/archive";
import { type BundlePlan, type EntitlementChange, planResign, readProvisionedBundles } from "@/lib/signing/resign/plan";
import type { ResignJobPayload } from "@/lib/signing/resign/schema";
import { resignIpa } from "@/lib/signing/resign-ipa";
import { ingestBuild } from "@/lib/upload/ingest-build";
import { findUserById, type UserDto } from "@/lib/users/data";
import { enqueueBuildResigned } from "@/lib/webhooks/deliveries";

/**
 * The re-sign job (queued by ./request.ts): it plans first (every bundle's
 * profile and rewritten entitlements: a profile that does not grant what the
 * app uses fails here, before anything is written), then re-signs, then
 * stores the result like an upload (analysed, verified, audited,
 * `build.created`), as a new build of the same app, `resignedFrom` the
 * original, then `build.resigned`.
 */

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

/**
 * After the new build is stored: the other channels asked for (promoting is
 * idempotent), then `build.resigned` with its channels. A retry of a job whose
 * build was stored before its instance died sends the event only if it was
 * not queued yet.
 */
async function publishMade(
  buildId: string,
  moreChannels: string[],
  requester: UserDto,
  options: { alreadyStored: boolean },
): Promise<void> {
  const actor = userActor(requester, { ip: null, userAgent: null });
  for (const channel of moreChannels) await promoteBuild({ buildId, channel }, actor);
  if (options.alreadyStored) {
    const queued = await prisma().$queryRaw<unknown[]>`
      SELECT 1 FROM webhook_deliveries WHERE event = 'build.resigned' AND payload #>> '{build,id}' = ${buildId} LIMIT 1`;
    if (queued.length > 0) return;
  }
  const build = await getBuildByIdFor(requester, buildId);
  if (build) await enqueueBuildResigned(build);
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
  if (earlier) {
    // Killed after storing it: what came after (more channels, build.resigned) may not have happened.
    await publishMade(earlier.id, payload.channels.slice(1), requester, { alreadyStored: true });
    return { buildId: earlier.id, changes: [] };
  }

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
      if (result.created) await publishMade(result.build.id, more, requester, { alreadyStored: false });
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
