import type { Actor } from "@/lib/access/actor";
import { authorize } from "@/lib/access/policy";
import type { AppStoreConnectClient } from "@/lib/app-store-connect/client";
import {
  countByKind,
  DEVICE_KIND_WORDS,
  DEVICE_LIMIT_NEAR,
  type DeviceLimitState,
  deviceCountWords,
  deviceLimitReachedWords,
  devicesOverLimit,
  kindOfModel,
  recordDeviceListing,
} from "@/lib/app-store-connect/device-counts";
import { DEVICE_LIMIT_PER_KIND, PROVISION_JOB_KIND, type SyncProfileType } from "@/lib/app-store-connect/schema";
import { getBuildByIdFor } from "@/lib/builds/data";
import { listChannelsFor } from "@/lib/channels/data";
import { env } from "@/lib/config/env";
import { prisma } from "@/lib/db/client";
import { isUuid } from "@/lib/db/ids";
import { provisionedUdids, visibleActiveDevices } from "@/lib/devices/data";
import { AppError } from "@/lib/errors";
import { decryptSigningKey } from "@/lib/signing/key-encryption";
import { RESIGN_JOB_KIND } from "@/lib/signing/resign/schema";
import type { UserDto } from "@/lib/users/data";

/**
 * What Ferry knows of its App Store Connect set-up, as admins and the build
 * page see it. The .p8 is read by `loadAppStoreConnectClient` only, decrypted
 * into a KeyObject that never leaves this process.
 */

export type AscKeyDto = {
  configured: boolean;
  issuerId: string | null;
  keyId: string | null;
  createdAt: string | null;
};
export type DeviceSyncDto = {
  appId: string;
  enabled: boolean;
  identityId: string | null;
  profileType: SyncProfileType | null;
};
export type ConnectionTestDto = {
  certificates: { id: string; name: string; type: string; serialNumber: string; expires: string | null }[];
  devices: { kind: string; used: number; limit: number }[];
};

/** Admins: whether a key is stored, and which (never the key). */
export async function getAscKey(by: Actor): Promise<AscKeyDto> {
  authorize(by, "app-store-connect.manage");
  const row = await prisma().appStoreConnectKey.findFirst({
    select: { issuerId: true, keyId: true, createdAt: true },
  });
  return {
    configured: Boolean(row),
    issuerId: row?.issuerId ?? null,
    keyId: row?.keyId ?? null,
    createdAt: row?.createdAt.toISOString() ?? null,
  };
}

/** The client with the stored key; asc_not_configured without one. Server-side only. */
export async function loadAppStoreConnectClient(
  overrides: { sleep?: (ms: number) => Promise<void> } = {},
): Promise<AppStoreConnectClient> {
  const row = await prisma().appStoreConnectKey.findFirst();
  if (!row) {
    throw new AppError(
      "asc_not_configured",
      "No App Store Connect API key is set up: an admin adds one under Admin → Signing.",
    );
  }
  const { createAppStoreConnectClient } = await import("@/lib/app-store-connect/client");
  return createAppStoreConnectClient({
    key: {
      issuerId: row.issuerId,
      keyId: row.keyId,
      privateKey: decryptSigningKey(Buffer.from(row.encryptedKey), row.id),
    },
    baseUrl: env().appStoreConnectApiUrl,
    ...overrides,
  });
}

/**
 * Admins: "Test connection": the account's certificates and its devices per
 * kind (used/limit). The count is stored: the Add-my-iPhone panel shows it
 * near the limit, and a request at the limit is refused before any job.
 */
export async function testAscConnection(by: Actor): Promise<ConnectionTestDto> {
  authorize(by, "app-store-connect.manage");
  const client = await loadAppStoreConnectClient();
  const [certificates, devices] = await Promise.all([client.listCertificates(), client.listDevices()]);
  await recordDeviceListing(devices);
  const used = countByKind(devices);
  return {
    certificates: certificates.map((c) => ({
      id: c.id,
      name: c.name,
      type: c.certificateType,
      serialNumber: c.serialNumber,
      expires: c.expirationDate,
    })),
    devices: [...used].sort().map(([kind, n]) => ({ kind, used: n, limit: DEVICE_LIMIT_PER_KIND })),
  };
}

export function toDeviceSyncDto(appId: string, row: { identityId: string; profileType: string } | null): DeviceSyncDto {
  return {
    appId,
    enabled: Boolean(row),
    identityId: row?.identityId ?? null,
    profileType: (row?.profileType as SyncProfileType | undefined) ?? null,
  };
}

/** Admins: an app's "Keep devices in sync" setting. */
export async function getDeviceSync(by: Actor, appId: string): Promise<DeviceSyncDto> {
  authorize(by, "app-store-connect.manage");
  const row = isUuid(appId) ? await prisma().appDeviceSync.findUnique({ where: { appId } }) : null;
  return toDeviceSyncDto(appId, row);
}

/** Admins: the "Keep devices in sync" setting of each of `appIds` (one page of the signing page), in one query. */
export async function listDeviceSyncs(by: Actor, appIds: string[]): Promise<Map<string, DeviceSyncDto>> {
  authorize(by, "app-store-connect.manage");
  const ids = appIds.filter(isUuid);
  const rows = ids.length ? await prisma().appDeviceSync.findMany({ where: { appId: { in: ids } } }) : [];
  const byApp = new Map(rows.map((row) => [row.appId, row]));
  return new Map(appIds.map((id) => [id, toDeviceSyncDto(id, byApp.get(id) ?? null)]));
}

export type ProvisioningState = {
  /** Whether the build page may offer "Add my iPhone" at all (sync on, key set, ad hoc/development). */
  available: boolean;
  /** The viewer's active devices the build's profile lacks. */
  missing: { id: string; udid: string; name: string | null; owner: string | null }[];
  /** The viewer's (admins: anyone's) devices already asked for and waiting for a job. */
  pending: string[];
  /** The job working on it, when one is queued or running. */
  job: { id: string; status: string; error: { code: string; message: string } | null } | null;
  /** The newest re-signed build made from this one that lists a device the viewer asked for. */
  resignedBuildId: string | null;
  /**
   * The re-sign the app's latest provision job queued that leads from this
   * build: this build's own, else (an older build, not the newest of a
   * channel) the newest of a channel this build is in, else any; `buildId` is
   * the build it re-signs, `resignedBuildId` its copy once made: where to go.
   */
  resign: { buildId: string; status: string; resignedBuildId: string | null } | null;
  /** Why the work stopped, in plain words (Apple's or the re-signer's own sentence included). */
  failure: { code: string; message: string } | null;
  /**
   * The newest build of a channel this (older) build is in, when it already
   * lists some of `missing` (re-signed for them, typically): the page leads
   * there instead of asking again. `deviceIds`: the devices it lists.
   */
  newer: { buildId: string; label: string; channel: string; resigned: boolean; deviceIds: string[] } | null;
  /**
   * Apple's yearly limit for the kind of the devices still to add, from the
   * last-known count, when near or at it. `reached`: `deviceIds` (devices
   * Apple does not know yet) cannot be added and the server refuses them.
   */
  deviceLimit: {
    kind: string;
    used: number;
    limit: number;
    reached: boolean;
    message: string;
    deviceIds: string[];
  } | null;
};

/** A failed job's error as the person reads it: what happened and what to do, then the error's own sentence. */
function provisioningFailureWords(stage: "apple" | "resign", error: { code: string; message: string }) {
  if (error.code === "asc_device_limit") {
    return {
      code: error.code,
      message: `Apple's yearly device limit is reached: an account registers at most ${DEVICE_LIMIT_PER_KIND} devices of each kind per membership year, so Ferry cannot add this one. An admin frees places in Apple's portal when the membership year renews. Apple said: ${error.message}`,
    };
  }
  return {
    code: error.code,
    message:
      stage === "apple"
        ? `Apple refused: ${error.message}`
        : `Your device was added, but re-signing the build failed: ${error.message} An admin can re-sign it from the build page.`,
  };
}

/** What the build page shows about "Add my iPhone" for `user`. */
export async function provisioningStateFor(user: UserDto, buildId: string): Promise<ProvisioningState | null> {
  const build = await getBuildByIdFor(user, buildId);
  if (!build) return null;
  const udids = provisionedUdids(build);
  const none: ProvisioningState = {
    available: false,
    missing: [],
    pending: [],
    job: null,
    resignedBuildId: null,
    resign: null,
    failure: null,
    newer: null,
    deviceLimit: null,
  };
  if (!udids) return none;
  const [sync, key] = await Promise.all([
    prisma().appDeviceSync.findUnique({ where: { appId: build.appId }, select: { appId: true } }),
    prisma().appStoreConnectKey.findFirst({ select: { id: true } }),
  ]);
  const devices = await visibleActiveDevices(user);
  const lacking = devices.filter((d) => !udids.has(d.udid));
  const missing = lacking.map((d) => ({ id: d.id, udid: d.udid, name: d.name, owner: d.owner?.email ?? null }));
  const newer = lacking.length > 0 ? await newerBuildListing(user, build, lacking) : null;
  const covered = new Set(newer?.deviceIds ?? []);
  const deviceLimit = await deviceLimitFor(lacking.filter((d) => !covered.has(d.id)));
  const pendingRows = await prisma().appProvisionedDevice.findMany({
    where: { appId: build.appId, provisionedAt: null, deviceId: { in: devices.map((d) => d.id) } },
    select: { deviceId: true },
  });
  const jobs = await prisma().$queryRaw<{ id: string; status: string; error: unknown }[]>`
    SELECT id, status, error FROM jobs WHERE kind = ${PROVISION_JOB_KIND} AND payload->>'appId' = ${build.appId}
    ORDER BY created_at DESC LIMIT 1`;
  const job = jobs[0];
  // The newest re-signed build made from this one that the viewer may see.
  const candidates = await prisma().build.findMany({
    where: { resignedFromId: build.id },
    orderBy: { createdAt: "desc" },
    select: { id: true },
    take: 10,
  });
  let resigned: { id: string } | null = null;
  for (const c of candidates) {
    if (await getBuildByIdFor(user, c.id)) {
      resigned = c;
      break;
    }
  }
  const resign = job ? await resignFor(user, job.id, build.id, build.channels) : null;
  const jobError = (job?.error as { code: string; message: string } | null) ?? null;
  const failure =
    job?.status === "failed" && jobError
      ? provisioningFailureWords("apple", jobError)
      : resign?.status === "failed" && resign.error
        ? provisioningFailureWords("resign", resign.error)
        : null;
  return {
    available: Boolean(sync && key),
    missing,
    pending: pendingRows.map((r) => r.deviceId),
    job: job
      ? { id: job.id, status: job.status, error: (job.error as { code: string; message: string } | null) ?? null }
      : null,
    resignedBuildId: resigned?.id ?? null,
    resign: resign ? { buildId: resign.buildId, status: resign.status, resignedBuildId: resign.resignedBuildId } : null,
    failure,
    newer,
    deviceLimit,
  };
}

/** The newest build of a channel `build` is in (not `build`), seen by `user`, that lists some of `lacking`. */
async function newerBuildListing(
  user: UserDto,
  build: { id: string; appId: string; channels: string[] },
  lacking: { id: string; udid: string }[],
): Promise<ProvisioningState["newer"]> {
  if (build.channels.length === 0) return null;
  const channels = (await listChannelsFor(user, build.appId)).filter(
    (c) => build.channels.includes(c.name) && c.latest && c.latest.id !== build.id,
  );
  for (const channel of channels) {
    const latest = channel.latest ? await getBuildByIdFor(user, channel.latest.id) : null;
    const lists = latest ? provisionedUdids(latest) : null;
    const deviceIds = lists ? lacking.filter((d) => lists.has(d.udid)).map((d) => d.id) : [];
    if (latest && deviceIds.length > 0) {
      return {
        buildId: latest.id,
        label: `${latest.version} (${latest.buildNumber})`,
        channel: channel.name,
        resigned: latest.resignedFrom !== null,
        deviceIds,
      };
    }
  }
  return null;
}

/** The yearly limit of the kind nearest to it among `devices` (those still to add), when near or at it. */
async function deviceLimitFor(
  devices: { id: string; udid: string; model: string | null }[],
): Promise<ProvisioningState["deviceLimit"]> {
  if (devices.length === 0) return null;
  const { blocked, limits } = await devicesOverLimit(devices);
  let nearest: DeviceLimitState | null = null;
  for (const d of devices) {
    const kind = kindOfModel(d.model);
    const state = kind ? limits.get(kind) : undefined;
    if (state && (!nearest || state.used > nearest.used)) nearest = state;
  }
  if (!nearest || nearest.used < nearest.limit - DEVICE_LIMIT_NEAR) return null;
  const kind = nearest.kind;
  const stopped = blocked.filter((d) => kindOfModel(d.model) === kind);
  return {
    kind: DEVICE_KIND_WORDS[kind],
    used: nearest.used,
    limit: nearest.limit,
    reached: stopped.length > 0,
    message: stopped.length > 0 ? deviceLimitReachedWords(nearest) : deviceCountWords(nearest),
    deviceIds: stopped.map((d) => d.id),
  };
}

/** The re-sign job `provisionJobId` queued that the page of `buildId` (in `channels`) leads to. */
async function resignFor(user: UserDto, provisionJobId: string, buildId: string, channels: string[]) {
  const rows = await prisma().$queryRaw<{ status: string; payload: unknown; result: unknown; error: unknown }[]>`
    SELECT status, payload, result, error FROM jobs
    WHERE kind = ${RESIGN_JOB_KIND} AND payload->>'provisionJobId' = ${provisionJobId}
    ORDER BY created_at`;
  const jobs = rows.map((r) => {
    const payload = r.payload as { buildId: string; channels?: string[] };
    const made = (r.result as { buildId?: string } | null)?.buildId ?? null;
    return {
      buildId: payload.buildId,
      channels: payload.channels ?? [],
      status: r.status,
      resignedBuildId: made,
      error: (r.error as { code: string; message: string } | null) ?? null,
    };
  });
  const pick =
    jobs.find((j) => j.buildId === buildId) ??
    jobs.find((j) => j.channels.some((c) => channels.includes(c))) ??
    jobs[0];
  if (!pick) return null;
  // Only a copy the viewer may open.
  if (pick.resignedBuildId && !(await getBuildByIdFor(user, pick.resignedBuildId))) pick.resignedBuildId = null;
  return pick;
}
