import { randomUUID } from "node:crypto";
import type { Actor } from "@/lib/access/actor";
import { authorize } from "@/lib/access/policy";
import { getBuildByIdFor } from "@/lib/builds/data";
import { prisma } from "@/lib/db/client";
import { AppError, parseInput } from "@/lib/errors";
import { getSigningIdentity } from "@/lib/signing/identities/data";
import { getSigningProfile, type SigningProfileDto } from "@/lib/signing/profiles/data";
import { localCopyOf, withWorkDir } from "@/lib/signing/resign/archive";
import { entitlementsJson, planBundles, readProvisionedBundles } from "@/lib/signing/resign/plan";
import { type ResignPreview, type ResignRequest, resignRequestSchema } from "@/lib/signing/resign/schema";

/**
 * A dry run of a re-sign (POST /api/v1/builds/{id}/resign/preview): the same
 * request, the same plan the job runs (lib/signing/resign/plan.ts), read from
 * the stored archive, but nothing is written and no job is queued. Each
 * bundle's profile, its entitlements before and after, what changes, and what
 * would refuse it, with the error code the re-sign itself would fail with.
 */
export async function previewResign(input: ResignRequest, by: Actor): Promise<ResignPreview> {
  authorize(by, "signing.manage");
  if (by.kind !== "user") throw new AppError("forbidden", "Re-signing is requested by a signed-in admin.");
  const request = parseInput(resignRequestSchema, input);
  const build = await getBuildByIdFor(by.user, request.buildId);
  if (!build) throw new AppError("not_found", "No such build.");
  const identity = await getSigningIdentity(by, request.identityId);
  const byId = new Map<string, SigningProfileDto>();
  for (const id of new Set([request.profileId, ...Object.values(request.profiles ?? {})])) {
    if (id) byId.set(id, await getSigningProfile(by, id));
  }
  const defaultProfile = request.profileId ? (byId.get(request.profileId) ?? null) : null;
  const profilesByBundleId = new Map(
    Object.entries(request.profiles ?? {}).flatMap(([bundleId, id]) => {
      const profile = byId.get(id);
      return profile ? [[bundleId, profile] as const] : [];
    }),
  );
  const stored = await getStorageKey(build.id);
  const { teamId, outcomes } = await withWorkDir(`preview-${randomUUID()}`, async (workDir) => {
    const bundles = await readProvisionedBundles(await localCopyOf(stored, workDir));
    return planBundles({ bundles, identity, defaultProfile, profilesByBundleId });
  });
  const bundles = outcomes.map((o) => ({
    bundleId: o.bundleId,
    path: o.dir,
    profile: o.profile
      ? { id: o.profile.id, name: o.profile.name, uuid: o.profile.uuid, notAfter: o.profile.notAfter }
      : null,
    entitlements: { before: o.before, after: o.after ? entitlementsJson(o.after) : null },
    changes: o.changes,
    error: o.error ? { code: o.error.code, message: o.error.message } : null,
  }));
  return {
    buildId: build.id,
    identity: { id: identity.id, commonName: identity.commonName, teamId: identity.teamId },
    teamId,
    ok: bundles.every((b) => b.error === null),
    bundles,
  };
}

async function getStorageKey(buildId: string): Promise<string> {
  const row = await prisma().build.findUnique({ where: { id: buildId }, select: { storageKey: true } });
  if (!row) throw new AppError("not_found", "No such build.");
  return row.storageKey;
}
