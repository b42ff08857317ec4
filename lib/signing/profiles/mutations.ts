import { type Actor, actorUserId } from "@/lib/access/actor";
import { authorize } from "@/lib/access/policy";
import { parseProvisioningProfile } from "@/lib/analysis/profile/parse-profile";
import { recordChange } from "@/lib/audit/audit";
import { prisma } from "@/lib/db/client";
import { isUniqueViolation } from "@/lib/db/errors";
import { AppError, parseInput } from "@/lib/errors";
import { MAX_PROFILE_BYTES } from "@/lib/http/body-limits";
import { getSigningProfile, type SigningProfileDto, toSigningProfileDto } from "@/lib/signing/profiles/data";
import { profileCertificateFingerprints } from "@/lib/signing/profiles/profile-contents";
import { signingProfileRefSchema } from "@/lib/signing/profiles/schema";

/**
 * Adding and deleting provisioning profiles for re-signing: admins only,
 * audited. A profile is kept only if it parses and names an app id; whether
 * it fits an identity and a build is checked when it is used (./fit.ts).
 */
export async function addSigningProfile(data: Buffer, by: Actor): Promise<SigningProfileDto> {
  authorize(by, "signing.manage");
  if (data.length === 0) throw new AppError("empty_body", "Send the .mobileprovision file as the request body.");
  if (data.length > MAX_PROFILE_BYTES) {
    throw new AppError("payload_too_large", `A provisioning profile is at most ${MAX_PROFILE_BYTES} bytes.`);
  }
  const info = parseProvisioningProfile(data);
  if (!info.uuid) throw new AppError("malformed_profile", "The provisioning profile has no UUID.");
  if (!info.applicationIdentifier || !info.bundleIdPattern) {
    throw new AppError("malformed_profile", "The provisioning profile names no application-identifier.");
  }
  const prefix = info.applicationIdentifier.slice(0, info.applicationIdentifier.indexOf("."));
  const teamId = info.teamIds[0] ?? prefix;
  const { uuid, bundleIdPattern: appIdPattern } = info;
  let row: Awaited<ReturnType<ReturnType<typeof prisma>["signingProfile"]["create"]>>;
  try {
    row = await prisma().$transaction(async (tx) => {
      const created = await tx.signingProfile.create({
        data: {
          uuid,
          name: info.name ?? uuid,
          type: info.type,
          teamId,
          appIdPattern,
          entitlements: info.entitlements,
          certificateFingerprints: profileCertificateFingerprints(data),
          devices: info.devices,
          notAfter: new Date(info.expirationDate),
          data: new Uint8Array(data),
          createdById: actorUserId(by),
        },
      });
      await recordChange(tx, by, {
        action: "signing_profile.add",
        target: { type: "signing_profile", id: created.id },
        details: {
          uuid: created.uuid,
          name: created.name,
          type: created.type,
          teamId: created.teamId,
          appIdPattern: created.appIdPattern,
          notAfter: created.notAfter.toISOString(),
        },
      });
      return created;
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new AppError("conflict", `The profile ${info.uuid} ("${info.name ?? ""}") is already added.`);
    }
    throw error;
  }
  return toSigningProfileDto(row);
}

export async function deleteSigningProfile(input: { profileId: string }, by: Actor): Promise<void> {
  authorize(by, "signing.manage");
  const { profileId } = parseInput(signingProfileRefSchema, input);
  const profile = await getSigningProfile(by, profileId);
  await prisma().$transaction(async (tx) => {
    const deleted = await tx.signingProfile.deleteMany({ where: { id: profile.id } });
    if (deleted.count === 0) throw new AppError("not_found", "No such provisioning profile: it may have been deleted.");
    await recordChange(tx, by, {
      action: "signing_profile.delete",
      target: { type: "signing_profile", id: profile.id },
      details: { uuid: profile.uuid, name: profile.name },
    });
  });
}
