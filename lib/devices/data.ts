import { authorize, can, type Who } from "@/lib/access/policy";
import type { Warning } from "@/lib/analysis/profile/install-readiness";
import type { BuildDto } from "@/lib/builds/data";
import { prisma } from "@/lib/db/client";
import { isUuid } from "@/lib/db/ids";
import { normalizeUdid } from "@/lib/devices/schema";
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

/**
 * Registered devices, always read on behalf of someone: a user sees their
 * own, admins see all. Changes live in ./mutations.ts.
 */

export type DeviceDto = {
  id: string;
  udid: string;
  name: string | null;
  model: string | null;
  osVersion: string | null;
  serial: string | null;
  source: string;
  disabled: boolean;
  createdAt: string;
  owner: { id: string; email: string } | null;
};

export const deviceSelect = {
  id: true,
  udid: true,
  name: true,
  model: true,
  osVersion: true,
  serial: true,
  source: true,
  disabledAt: true,
  createdAt: true,
  user: { select: { id: true, email: true } },
} as const;

type DeviceRow = Prisma.DeviceGetPayload<{ select: typeof deviceSelect }>;

export function toDeviceDto(row: DeviceRow): DeviceDto {
  return {
    id: row.id,
    udid: row.udid,
    name: row.name,
    model: row.model,
    osVersion: row.osVersion,
    serial: row.serial,
    source: row.source,
    disabled: row.disabledAt !== null,
    createdAt: row.createdAt.toISOString(),
    owner: row.user,
  };
}

/** The user's own devices, newest first (disabled ones too: they see why a device stopped counting). */
export async function listOwnDevices(user: UserDto): Promise<DeviceDto[]> {
  const rows = await prisma().device.findMany({
    where: { userId: user.id },
    orderBy: [{ createdAt: "desc" }, { id: "asc" }],
    select: deviceSelect,
  });
  return rows.map(toDeviceDto);
}

/** Every registered device: admins only (403 for anyone else). */
export async function listAllDevices(who: Who): Promise<DeviceDto[]> {
  authorize(who, "device.read-all");
  const rows = await prisma().device.findMany({
    orderBy: [{ createdAt: "desc" }, { id: "asc" }],
    select: deviceSelect,
  });
  return rows.map(toDeviceDto);
}

/** One page of every registered device, newest first, keyset on (createdAt, id), with the totals: admins only. */
export async function listAllDevicesPage(
  who: Who,
  page: PageQuery,
): Promise<Page<DeviceDto> & { total: number; active: number }> {
  authorize(who, "device.read-all");
  const [rows, total, active] = await Promise.all([
    prisma().device.findMany({
      where: afterTimeCursor("createdAt", page.cursor),
      orderBy: timeKeyOrder("createdAt"),
      take: page.limit + 1,
      select: deviceSelect,
    }),
    prisma().device.count(),
    prisma().device.count({ where: { disabledAt: null } }),
  ]);
  return {
    ...toPage(rows, page.limit, (row) => encodeTimeCursor({ at: row.createdAt, id: row.id }), toDeviceDto),
    total,
    active,
  };
}

/** The active devices `user` may see in coverage: admins all, others their own. */
export async function visibleActiveDevices(user: UserDto): Promise<DeviceDto[]> {
  const rows = await prisma().device.findMany({
    where: { disabledAt: null, ...(can(user, "device.read-all") ? {} : { userId: user.id }) },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    select: deviceSelect,
  });
  return rows.map(toDeviceDto);
}

export async function findDeviceById(id: string): Promise<DeviceDto | null> {
  if (!isUuid(id)) return null;
  const row = await prisma().device.findUnique({ where: { id }, select: deviceSelect });
  return row ? toDeviceDto(row) : null;
}

/** A device of `user` (the device cookie names one; it must still be theirs and active). */
export async function findOwnActiveDevice(user: UserDto, id: string | null): Promise<DeviceDto | null> {
  if (!id || !isUuid(id)) return null;
  const row = await prisma().device.findFirst({
    where: { id, userId: user.id, disabledAt: null },
    select: deviceSelect,
  });
  return row ? toDeviceDto(row) : null;
}

/** The UDIDs a build's profile lists, or null when the build is not limited to listed devices. */
export function provisionedUdids(build: Pick<BuildDto, "analysis">): Set<string> | null {
  const profile = build.analysis?.profile;
  if (!profile) return null;
  if (profile.type !== "ad-hoc" && profile.type !== "development") return null;
  if (profile.provisionsAllDevices) return null;
  const out = new Set<string>();
  for (const raw of profile.devices) out.add(normalizeUdid(raw) ?? raw.trim());
  return out;
}

export type CoverageEntry = { udid: string; name: string | null; model: string | null; owner: string | null };
export type DeviceCoverage = { included: CoverageEntry[]; missing: CoverageEntry[] };

function coverageEntry(device: DeviceDto): CoverageEntry {
  return { udid: device.udid, name: device.name, model: device.model, owner: device.owner?.email ?? null };
}

/** Splits `devices` into those the build's profile lists and those it does not; null when not applicable. */
export function coverageOf(build: Pick<BuildDto, "analysis">, devices: DeviceDto[]): DeviceCoverage | null {
  const udids = provisionedUdids(build);
  if (!udids) return null;
  const coverage: DeviceCoverage = { included: [], missing: [] };
  for (const device of devices) {
    (udids.has(device.udid) ? coverage.included : coverage.missing).push(coverageEntry(device));
  }
  return coverage;
}

/** Coverage over the devices `user` may see (admins: all active; others: their own active). */
export async function deviceCoverageFor(user: UserDto, build: BuildDto): Promise<DeviceCoverage | null> {
  if (!provisionedUdids(build)) return null;
  return coverageOf(build, await visibleActiveDevices(user));
}

export type DeviceBlocker = Warning & { code: "device_not_in_profile" };

/**
 * Why the device this page is open on cannot install `build`, or null when it
 * can or we cannot tell (no device known, or a build not limited to listed
 * devices). The install page offers no live Install link while this is set.
 */
export function deviceBlocker(
  build: Pick<BuildDto, "analysis">,
  currentDevice: Pick<DeviceDto, "udid" | "name"> | null,
): DeviceBlocker | null {
  if (!currentDevice) return null;
  const udids = provisionedUdids(build);
  if (!udids || udids.has(currentDevice.udid)) return null;
  // Who to ask is said once, by the page (components/install/ask-uploader.tsx), not in each blocker.
  return {
    code: "device_not_in_profile",
    severity: "error",
    message: `This device is not in this build's profile (UDID ${currentDevice.udid}).`,
    hint: "Ad hoc and development builds install only on the devices listed in their provisioning profile.",
  };
}
