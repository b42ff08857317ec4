import { type Actor, actorUserId, assertAdmin } from "@/lib/access/actor";
import { MAX_PROFILE_BYTES, parseProvisioningProfile } from "@/lib/analysis/profile/parse-profile";
import { recordChange } from "@/lib/audit/audit";
import { prisma } from "@/lib/db/client";
import { isUniqueViolation } from "@/lib/db/errors";
import { AppError, parseInput } from "@/lib/errors";
import { getSigningProfile, type SigningProfileDto, toSigningProfileDto } from "@/lib/signing/profiles/data";
import { profileCertificateFingerprints } from "@/lib/signing/profiles/profile-contents";
import { signingProfileRefSchema } from "@/lib/signing/profiles/schema";

/**
 * Adding and deleting provisioning profiles for re-signing: admins only,
 * audited. A profile is kept only if it parses and names an app id; whether
 * it fits an identity and a build is checked when it is used (./fit.ts).
 */
export async function addSigningProfile(data: Buffer, by: Actor): Promise<SigningProfileDto> {
  assertAdmin(by);
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
  let row: Awaited<ReturnType<ReturnType<typeof prisma>["signingProfile"]["create"]>>;
  try {
    row = await prisma().signingProfile.create({
      data: {
        uuid: info.uuid,
        name: info.name ?? info.uuid,
        type: info.type,
        teamId,
        appIdPattern: info.bundleIdPattern,
        entitlements: info.entitlements,
        certificateFingerprints: profileCertificateFingerprints(data),
        devices: info.devices,
        notAfter: new Date(info.expirationDate),
        data: new Uint8Array(data),
        createdById: actorUserId(by),
      },
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new AppError("conflict", `The profile ${info.uuid} ("${info.name ?? ""}") is already added.`);
    }
    throw error;
  }
  await recordChange(by, {
    action: "signing_profile.add",
    target: { type: "signing_profile", id: row.id },
    details: {
      uuid: row.uuid,
      name: row.name,
      type: row.type,
      teamId: row.teamId,
      appIdPattern: row.appIdPattern,
      notAfter: row.notAfter.toISOString(),
    },
  });
  return toSigningProfileDto(row);
}

export async function deleteSigningProfile(input: { profileId: string }, by: Actor): Promise<void> {
  assertAdmin(by);
  const { profileId } = parseInput(signingProfileRefSchema, input);
  const profile = await getSigningProfile(by, profileId);
  const deleted = await prisma().signingProfile.deleteMany({ where: { id: profile.id } });
  if (deleted.count === 0) throw new AppError("not_found", "No such provisioning profile: it may have been deleted.");
  await recordChange(by, {
    action: "signing_profile.delete",
    target: { type: "signing_profile", id: profile.id },
    details: { uuid: profile.uuid, name: profile.name },
  });
}
