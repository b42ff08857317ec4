import type { Actor } from "@/lib/access/actor";
import { authorize } from "@/lib/access/policy";
import type { JsonValue, ProfileType } from "@/lib/analysis/profile/parse-profile";
import { prisma } from "@/lib/db/client";
import { isUuid } from "@/lib/db/ids";
import { AppError } from "@/lib/errors";

/** Provisioning profiles added for re-signing, as admins see them. */
export type SigningProfileDto = {
  id: string;
  uuid: string;
  name: string;
  type: ProfileType;
  teamId: string | null;
  /** The application-identifier without its team prefix: "com.foo.app", "com.foo.*" or "*". */
  appIdPattern: string;
  notAfter: string;
  devices: string[];
  entitlements: Record<string, JsonValue>;
  certificateFingerprints: string[];
  createdAt: string;
};

const publicSelect = {
  id: true,
  uuid: true,
  name: true,
  type: true,
  teamId: true,
  appIdPattern: true,
  notAfter: true,
  devices: true,
  entitlements: true,
  certificateFingerprints: true,
  createdAt: true,
} as const;

type Row = {
  id: string;
  uuid: string;
  name: string;
  type: string;
  teamId: string | null;
  appIdPattern: string;
  notAfter: Date;
  devices: string[];
  entitlements: unknown;
  certificateFingerprints: string[];
  createdAt: Date;
};

export function toSigningProfileDto(row: Row): SigningProfileDto {
  return {
    id: row.id,
    uuid: row.uuid,
    name: row.name,
    type: row.type as ProfileType,
    teamId: row.teamId,
    appIdPattern: row.appIdPattern,
    notAfter: row.notAfter.toISOString(),
    devices: row.devices,
    entitlements: (row.entitlements ?? {}) as Record<string, JsonValue>,
    certificateFingerprints: row.certificateFingerprints,
    createdAt: row.createdAt.toISOString(),
  };
}

export async function listSigningProfiles(by: Actor): Promise<SigningProfileDto[]> {
  authorize(by, "signing.manage");
  const rows = await prisma().signingProfile.findMany({ select: publicSelect, orderBy: { createdAt: "desc" } });
  return rows.map(toSigningProfileDto);
}

export async function getSigningProfile(by: Actor, profileId: string): Promise<SigningProfileDto> {
  authorize(by, "signing.manage");
  const row = isUuid(profileId)
    ? await prisma().signingProfile.findUnique({ where: { id: profileId }, select: publicSelect })
    : null;
  if (!row) throw new AppError("not_found", "No such provisioning profile: it may have been deleted.");
  return toSigningProfileDto(row);
}

/** The profile and its bytes (what goes into the re-signed build as embedded.mobileprovision). */
export async function loadProfileForSigning(profileId: string): Promise<SigningProfileDto & { data: Buffer }> {
  const row = isUuid(profileId) ? await prisma().signingProfile.findUnique({ where: { id: profileId } }) : null;
  if (!row) throw new AppError("not_found", "The provisioning profile was deleted.");
  return { ...toSigningProfileDto(row), data: Buffer.from(row.data) };
}
