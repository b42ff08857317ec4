import { randomUUID } from "node:crypto";
import { type Actor, actorUserId } from "@/lib/access/actor";
import { authorize, can } from "@/lib/access/policy";
import { type DeviceSyncDto, toDeviceSyncDto } from "@/lib/app-store-connect/data";
import { deviceLimitReachedWords, devicesOverLimit, kindOfModel } from "@/lib/app-store-connect/device-counts";
import {
  type DeviceSyncInput,
  deviceSyncSchema,
  PROVISION_BATCH_SECONDS,
  PROVISION_JOB_KIND,
  type ProvisionJobPayload,
  type ProvisionRequest,
  provisionRequestSchema,
  type SaveKeyInput,
  saveKeySchema,
} from "@/lib/app-store-connect/schema";
import { parseP8 } from "@/lib/app-store-connect/token";
import { recordChange } from "@/lib/audit/audit";
import { getBuildByIdFor } from "@/lib/builds/data";
import { prisma } from "@/lib/db/client";
import { provisionedUdids } from "@/lib/devices/data";
import { AppError, parseInput } from "@/lib/errors";
import { enqueueJobUnlessQueued, findJob, type Job } from "@/lib/jobs/jobs";
import { encryptSigningKey } from "@/lib/signing/key-encryption";

/**
 * Setting up App Store Connect (admins, audited) and asking for devices
 * ("Add my iPhone"). The .p8 is checked, encrypted with the row id as
 * associated data before it reaches the database, and appears in no audit
 * row, error or answer. Requests for an app join its queued job, so one
 * regeneration per app per minute serves every device that arrives.
 */

/** Admins: stores the key, replacing the one before (Ferry talks to one account). */
export async function saveAscKey(input: SaveKeyInput, by: Actor): Promise<void> {
  authorize(by, "app-store-connect.manage");
  const parsed = parseInput(saveKeySchema, input);
  const privateKey = parseP8(parsed.privateKey);
  const id = randomUUID();
  await prisma().$transaction(async (tx) => {
    await tx.appStoreConnectKey.deleteMany({});
    await tx.appStoreConnectKey.create({
      data: {
        id,
        issuerId: parsed.issuerId,
        keyId: parsed.keyId,
        encryptedKey: new Uint8Array(encryptSigningKey(privateKey, id)),
        createdById: actorUserId(by),
      },
    });
    await recordChange(tx, by, {
      action: "app_store_connect.key_set",
      target: { type: "app_store_connect_key", id },
      details: { issuerId: parsed.issuerId, keyId: parsed.keyId },
    });
  });
}

/** Admins: forgets the key; device sync stops until one is added again. */
export async function deleteAscKey(by: Actor): Promise<void> {
  authorize(by, "app-store-connect.manage");
  await prisma().$transaction(async (tx) => {
    const row = await tx.appStoreConnectKey.findFirst({ select: { id: true, keyId: true } });
    if (!row) throw new AppError("not_found", "No App Store Connect key is set up.");
    await tx.appStoreConnectKey.delete({ where: { id: row.id } });
    await recordChange(tx, by, {
      action: "app_store_connect.key_delete",
      target: { type: "app_store_connect_key", id: row.id },
      details: { keyId: row.keyId },
    });
  });
}

/** Admins: turns "Keep devices in sync" on (identity + profile type) or off for an app. */
export async function setDeviceSync(input: DeviceSyncInput, by: Actor): Promise<DeviceSyncDto> {
  authorize(by, "app-store-connect.manage");
  const parsed = parseInput(deviceSyncSchema, input);
  const app = await prisma().app.findUnique({ where: { id: parsed.appId }, select: { id: true, bundleId: true } });
  if (!app) throw new AppError("not_found", "No such app.");
  if (!parsed.enabled) {
    await prisma().$transaction(async (tx) => {
      await tx.appDeviceSync.deleteMany({ where: { appId: app.id } });
      await recordChange(tx, by, {
        action: "app_store_connect.sync_change",
        appId: app.id,
        target: { type: "app", id: app.id },
        details: { enabled: false },
      });
    });
    return toDeviceSyncDto(app.id, null);
  }
  if (!parsed.identityId || !parsed.profileType) {
    throw new AppError("bad_request", "Choose the signing identity and the profile type (ad hoc or development).");
  }
  const identity = await prisma().signingIdentity.findUnique({
    where: { id: parsed.identityId },
    select: { id: true, commonName: true, serial: true },
  });
  if (!identity) throw new AppError("not_found", "No such signing identity: it may have been deleted.");
  const profileType = parsed.profileType;
  const data = { identityId: identity.id, profileType, enabledById: actorUserId(by) };
  const row = await prisma().$transaction(async (tx) => {
    const saved = await tx.appDeviceSync.upsert({
      where: { appId: app.id },
      create: { appId: app.id, ...data },
      update: data,
    });
    await recordChange(tx, by, {
      action: "app_store_connect.sync_change",
      appId: app.id,
      target: { type: "app", id: app.id },
      details: { enabled: true, identity: identity.commonName, identitySerial: identity.serial, profileType },
    });
    return saved;
  });
  return toDeviceSyncDto(app.id, row);
}

/**
 * "Add my iPhone" / "Add the N missing devices": records the devices for the
 * build's app and joins (or queues) the app's provision job. Without
 * `deviceIds`: the caller's own active devices the build lacks (admins: every
 * active device it lacks). Returns the job.
 */
export async function requestProvisioning(input: ProvisionRequest, by: Actor): Promise<Job> {
  if (by.kind !== "user") throw new AppError("forbidden", "Devices are added by a signed-in person.");
  const parsed = parseInput(provisionRequestSchema, input);
  const build = await getBuildByIdFor(by.user, parsed.buildId);
  if (!build) throw new AppError("not_found", "No such build.");
  const udids = provisionedUdids(build);
  if (!udids) {
    throw new AppError(
      "bad_request",
      "This build installs on any device: only ad hoc and development builds list devices.",
    );
  }
  const [sync, key] = await Promise.all([
    prisma().appDeviceSync.findUnique({ where: { appId: build.appId } }),
    prisma().appStoreConnectKey.findFirst({ select: { id: true } }),
  ]);
  if (!sync || !key) {
    throw new AppError(
      "asc_not_configured",
      'Ferry does not keep this app\'s devices in sync: an admin turns on "Keep devices in sync" for it.',
    );
  }
  const admin = can(by.user, "device.read-all");
  const candidates = await prisma().device.findMany({
    where: {
      disabledAt: null,
      ...(parsed.deviceIds ? { id: { in: parsed.deviceIds } } : admin ? {} : { userId: by.user.id }),
    },
    select: { id: true, udid: true, userId: true, name: true, model: true },
  });
  if (parsed.deviceIds && candidates.length !== new Set(parsed.deviceIds).size) {
    throw new AppError("not_found", "A device was not found, or it is disabled.");
  }
  for (const d of candidates) authorize(by, "device.provision", { ownerId: d.userId });
  const lacking = candidates.filter((d) => !udids.has(d.udid));
  if (lacking.length === 0) throw new AppError("bad_request", "Every device you asked for is already in this build.");
  // Apple's yearly limit, as last counted: refused here rather than by Apple after a job ran.
  const { blocked, limits } = await devicesOverLimit(lacking);
  const full = blocked[0];
  const fullKind = full ? kindOfModel(full.model) : null;
  const fullState = fullKind ? limits.get(fullKind) : undefined;
  if (fullState && (parsed.deviceIds || blocked.length === lacking.length)) {
    throw new AppError("asc_device_limit", deviceLimitReachedWords(fullState));
  }
  // "Add the N missing devices": the ones Apple still has room for.
  const devices = lacking.filter((d) => !blocked.includes(d));
  const payload: ProvisionJobPayload = { appId: build.appId };
  const jobId = await prisma().$transaction(async (tx) => {
    for (const d of devices) {
      await tx.appProvisionedDevice.upsert({
        where: { appId_deviceId: { appId: build.appId, deviceId: d.id } },
        create: { appId: build.appId, deviceId: d.id, requestedById: by.user.id },
        update: { requestedById: by.user.id, provisionedAt: null },
      });
    }
    // Join the app's queued job, or queue one no sooner than a minute after the last one started.
    const last = await tx.$queryRaw<{ started: Date | null }[]>`
      SELECT max(coalesce(started_at, created_at)) AS started FROM jobs
      WHERE kind = ${PROVISION_JOB_KIND} AND payload->>'appId' = ${build.appId}`;
    const earliest = last[0]?.started ? last[0].started.getTime() + PROVISION_BATCH_SECONDS * 1000 : 0;
    let id: string | null = null;
    // A queued job can start between the insert that found it and the read: then queue again.
    for (let i = 0; i < 3 && !id; i++) {
      const queued = await enqueueJobUnlessQueued(
        {
          kind: PROVISION_JOB_KIND,
          payload,
          createdById: by.user.id,
          runAt: new Date(Math.max(Date.now(), earliest)),
          maxAttempts: 5,
        },
        tx,
      );
      if (queued) {
        id = queued.id;
        break;
      }
      // Inside the transaction only: a second connection per request would starve the pool in a burst.
      const existing = await tx.$queryRaw<{ id: string }[]>`
        SELECT id FROM jobs
        WHERE kind = ${PROVISION_JOB_KIND} AND status = 'queued' AND payload->>'appId' = ${build.appId}`;
      id = existing[0]?.id ?? null;
    }
    if (!id) throw new AppError("conflict", "Another request is being queued for this app: try again.");
    await recordChange(tx, by, {
      action: "app_store_connect.devices_request",
      appId: build.appId,
      buildId: build.id,
      target: { type: "job", id },
      details: { devices: devices.map((d) => ({ udid: d.udid, name: d.name, model: d.model })) },
    });
    return id;
  });
  const job = await findJob(jobId);
  if (!job) throw new AppError("conflict", "The job was removed meanwhile: try again.");
  return job;
}
