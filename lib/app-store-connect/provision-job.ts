import { userActor } from "@/lib/access/actor";
import { type AppStoreConnectClient, type AscProfileType, DEVICE_EXISTS_DETAIL } from "@/lib/app-store-connect/client";
import { loadAppStoreConnectClient } from "@/lib/app-store-connect/data";
import {
  countRegistered,
  kindOfDeviceClass,
  kindOfModel,
  recordDeviceListing,
} from "@/lib/app-store-connect/device-counts";
import type { ProvisionJobPayload } from "@/lib/app-store-connect/schema";
import { recordAudit } from "@/lib/audit/audit";
import { listChannelsFor } from "@/lib/channels/data";
import { prisma } from "@/lib/db/client";
import { AppError, isAppError } from "@/lib/errors";
import { enqueueJob, type Job } from "@/lib/jobs/jobs";
import { certificateFingerprint } from "@/lib/signing/identities/data";
import { addSigningProfile } from "@/lib/signing/profiles/mutations";
import { RESIGN_JOB_KIND, type ResignJobPayload } from "@/lib/signing/resign/schema";
import { findUserById, type UserDto } from "@/lib/users/data";

/**
 * The `provision-devices` job: one app, every device asked for it. Each step
 * is safe to run again after a lost lease or a retry:
 *   1. lists the account's devices (stored: the count per kind, the UDIDs
 *      Apple knows), registers each UDID Apple does not know (a 409 finds the
 *      one that exists; asc_devices remembers it, so none is registered twice);
 *   2. finds the bundle id of the app and of each extension;
 *   3. per bundle, makes a profile named for this job (a retry adopts the
 *      one an earlier attempt made, found by name), with the certificate and
 *      every enabled device Ferry has for the app, stores it as a signing
 *      profile, then deletes the profiles Ferry made before (asc_profiles:
 *      never one it did not make);
 *   4. queues a re-sign of the newest build of each channel the requesters
 *      see (once per build per job), run as the admin who turned sync on;
 *   5. marks the requests done and audits what Apple answered.
 */

export type ProvisionJobResult = {
  registered: string[];
  profiles: { bundleId: string; profileId: string; uuid: string }[];
  resignJobs: { buildId: string; jobId: string }[];
};

const PROFILE_TYPE: Record<string, AscProfileType> = {
  "ad-hoc": "IOS_APP_ADHOC",
  development: "IOS_APP_DEVELOPMENT",
};

/** Apple shows device names in the portal; at most 50 characters are kept there. */
function deviceName(owner: string | null, model: string | null, name: string | null): string {
  return `${owner ?? "Ferry"} — ${model ?? name ?? "iPhone"}`.slice(0, 50);
}

async function ensureRegistered(
  client: AppStoreConnectClient,
  listed: Map<string, string>,
  device: { udid: string; name: string | null; model: string | null; owner: string | null },
): Promise<{ ascId: string; registered: boolean }> {
  const known = await prisma().ascDevice.findUnique({ where: { udid: device.udid } });
  if (known) return { ascId: known.ascId, registered: false };
  let ascId = listed.get(device.udid);
  let registered = false;
  if (!ascId) {
    try {
      const made = await client.registerDevice({
        udid: device.udid,
        name: deviceName(device.owner, device.model, device.name),
      });
      ascId = made.id;
      registered = true;
      // One place fewer this membership year, until the next listing counts again.
      await countRegistered([kindOfDeviceClass(made.deviceClass) ?? kindOfModel(device.model)]);
    } catch (error) {
      // Registered meanwhile (another instance, or by hand): reuse it.
      if (!(isAppError(error) && DEVICE_EXISTS_DETAIL.test(error.message))) throw error;
      ascId = (await client.listDevices({ udids: [device.udid] }))[0]?.id;
      if (!ascId) throw error;
    }
  }
  await prisma().ascDevice.upsert({
    where: { udid: device.udid },
    create: { udid: device.udid, ascId, registeredByFerry: registered },
    update: {},
  });
  return { ascId, registered };
}

function extensionBundleIds(metadata: unknown): string[] {
  const extensions = (metadata as { ipa?: { extensions?: { bundleId?: unknown }[] } } | null)?.ipa?.extensions ?? [];
  return extensions.map((e) => e.bundleId).filter((b): b is string => typeof b === "string" && b.length > 0);
}

/** The newest build of each channel each requester sees, with the channels it is newest in. */
async function buildsToResign(appId: string, requesters: UserDto[]): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  for (const user of requesters) {
    for (const channel of await listChannelsFor(user, appId)) {
      if (!channel.latest) continue;
      const channels = out.get(channel.latest.id) ?? new Set<string>();
      channels.add(channel.name);
      out.set(channel.latest.id, channels);
    }
  }
  return out;
}

/** The stored signing profile for Apple's profile bytes (a retry finds the one stored before). */
async function storeProfile(content: Buffer, admin: UserDto): Promise<{ id: string; uuid: string }> {
  const { parseProvisioningProfile } = await import("@/lib/analysis/profile/parse-profile");
  const uuid = parseProvisioningProfile(content).uuid;
  const existing = uuid
    ? await prisma().signingProfile.findUnique({ where: { uuid }, select: { id: true, uuid: true } })
    : null;
  if (existing) return existing;
  const added = await addSigningProfile(content, userActor(admin, { ip: null, userAgent: null }));
  return { id: added.id, uuid: added.uuid };
}

export async function runProvisionJob(
  job: Job,
  options: { client?: AppStoreConnectClient } = {},
): Promise<ProvisionJobResult> {
  const { appId } = job.payload as unknown as ProvisionJobPayload;
  const app = await prisma().app.findUnique({ where: { id: appId }, select: { id: true, bundleId: true } });
  if (!app) throw new AppError("not_found", "The app was deleted.");
  const sync = await prisma().appDeviceSync.findUnique({ where: { appId } });
  if (!sync) throw new AppError("asc_not_configured", 'An admin turned off "Keep devices in sync" for this app.');
  const admin = sync.enabledById ? await findUserById(sync.enabledById) : null;
  if (!admin || admin.disabled || admin.role !== "admin") {
    throw new AppError(
      "forbidden",
      'The admin who turned on "Keep devices in sync" is no longer an admin: an admin turns it on again.',
    );
  }
  const requester = job.createdById ? await findUserById(job.createdById) : null;
  try {
    const client = options.client ?? (await loadAppStoreConnectClient());
    const identity = await prisma().signingIdentity.findUnique({
      where: { id: sync.identityId },
      select: { id: true, certificate: true, commonName: true },
    });
    if (!identity) throw new AppError("not_found", "The signing identity of this app's device sync was deleted.");

    // The requests this run serves: read once, marked done at the end.
    const pending = await prisma().appProvisionedDevice.findMany({
      where: { appId, provisionedAt: null },
      select: { deviceId: true, requestedById: true },
    });
    const wanted = await prisma().appProvisionedDevice.findMany({
      where: { appId, device: { disabledAt: null } },
      select: { device: { select: { udid: true, name: true, model: true, user: { select: { email: true } } } } },
    });

    // 1. Devices: one listing of the account tells which UDIDs Apple knows and how many of each kind it has.
    const account = await client.listDevices();
    await recordDeviceListing(account);
    const listed = new Map(account.map((d) => [d.udid, d.id]));
    const registered: string[] = [];
    const deviceIds: string[] = [];
    for (const { device } of wanted) {
      const result = await ensureRegistered(client, listed, { ...device, owner: device.user?.email ?? null });
      if (result.registered) registered.push(device.udid);
      deviceIds.push(result.ascId);
    }

    // The certificate: the identity's, as the account holds it.
    const fingerprint = certificateFingerprint(Buffer.from(identity.certificate));
    const certificate = (await client.listCertificates()).find(
      (c) => c.content.length > 0 && certificateFingerprint(c.content) === fingerprint,
    );
    if (!certificate) {
      throw new AppError(
        "asc_certificate_unknown",
        `The certificate of "${identity.commonName}" is not in the App Store Connect account of the key (it was revoked, or belongs to another team).`,
      );
    }

    // 2. Bundle ids: the app's and those of the builds' extensions.
    const requesters = (
      await Promise.all(
        [...new Set(pending.map((p) => p.requestedById).filter((id): id is string => Boolean(id)))].map(findUserById),
      )
    ).filter((u): u is UserDto => Boolean(u && !u.disabled));
    const targets = await buildsToResign(appId, requesters);
    const builds = await prisma().build.findMany({
      where: { id: { in: [...targets.keys()] } },
      select: { id: true, bundleId: true, metadata: true },
    });
    const bundlesOf = new Map(builds.map((b) => [b.id, [b.bundleId, ...extensionBundleIds(b.metadata)]]));
    const bundleIds = [...new Set([app.bundleId, ...[...bundlesOf.values()].flat()])];
    const ascBundles = new Map<string, string>();
    for (const bundleId of bundleIds) {
      const found = await client.findBundleId(bundleId);
      if (!found) {
        throw new AppError(
          "asc_bundle_id_unknown",
          `${bundleId} is not registered in the App Store Connect account (Certificates, Identifiers & Profiles → Identifiers): register it, then try again.`,
        );
      }
      ascBundles.set(bundleId, found.id);
    }

    // 3. One new profile per bundle; the one Ferry made before goes.
    const profiles: ProvisionJobResult["profiles"] = [];
    for (const [bundleId, bundleIdId] of ascBundles) {
      const name = `Ferry ${bundleId} ${job.id.slice(0, 8)}`;
      let mine = await prisma().ascProfile.findFirst({ where: { appId, bundleId, jobId: job.id, deletedAt: null } });
      if (!mine) {
        const [earlier] = await client.findProfilesByName(name);
        const made =
          earlier ??
          (await client.createProfile({
            name,
            profileType: PROFILE_TYPE[sync.profileType] ?? "IOS_APP_ADHOC",
            bundleIdId,
            certificateIds: [certificate.id],
            deviceIds,
          }));
        const stored = await storeProfile(made.content, admin);
        mine = await prisma().ascProfile.upsert({
          where: { ascId: made.id },
          create: { ascId: made.id, appId, bundleId, name, jobId: job.id, signingProfileId: stored.id },
          update: {},
        });
      }
      const stored = mine.signingProfileId
        ? await prisma().signingProfile.findUnique({
            where: { id: mine.signingProfileId },
            select: { id: true, uuid: true },
          })
        : null;
      if (!stored) throw new AppError("not_found", "The profile Ferry stored was deleted meanwhile.");
      profiles.push({ bundleId, profileId: stored.id, uuid: stored.uuid });
      const older = await prisma().ascProfile.findMany({
        where: { appId, bundleId, deletedAt: null, NOT: { ascId: mine.ascId } },
      });
      for (const old of older) {
        await client.deleteProfile(old.ascId);
        await prisma().ascProfile.update({ where: { ascId: old.ascId }, data: { deletedAt: new Date() } });
      }
    }

    // 4. Re-sign, once per build per job.
    const profileByBundle = new Map(profiles.map((p) => [p.bundleId, p.profileId]));
    const resignJobs: ProvisionJobResult["resignJobs"] = [];
    for (const [buildId, channels] of targets) {
      const done = await prisma().$queryRaw<{ id: string }[]>`
        SELECT id FROM jobs WHERE kind = ${RESIGN_JOB_KIND}
          AND payload->>'provisionJobId' = ${job.id} AND payload->>'buildId' = ${buildId} LIMIT 1`;
      if (done[0]) {
        resignJobs.push({ buildId, jobId: done[0].id });
        continue;
      }
      const forBuild = Object.fromEntries(
        (bundlesOf.get(buildId) ?? []).flatMap((b) => {
          const id = profileByBundle.get(b);
          return id ? [[b, id]] : [];
        }),
      );
      const payload: ResignJobPayload & { provisionJobId: string } = {
        buildId,
        identityId: identity.id,
        profileId: null,
        profiles: forBuild,
        channels: [...channels].sort(),
        provisionJobId: job.id,
      };
      const queued = await enqueueJob({ kind: RESIGN_JOB_KIND, payload, createdById: admin.id });
      resignJobs.push({ buildId, jobId: queued.id });
    }

    // 5. Done: the requests read at the start are served.
    await prisma().appProvisionedDevice.updateMany({
      where: { appId, deviceId: { in: pending.map((p) => p.deviceId) }, provisionedAt: null },
      data: { provisionedAt: new Date() },
    });
    await recordAudit({
      action: "app_store_connect.provision",
      actor: requester ?? admin,
      appId,
      target: { type: "job", id: job.id },
      details: {
        registered,
        devices: wanted.map((w) => w.device.udid),
        profiles: profiles.map((p) => `${p.bundleId} (${p.uuid})`),
        resigned: resignJobs.map((r) => r.buildId),
      },
    });
    return { registered, profiles, resignJobs };
  } catch (error) {
    await recordAudit({
      action: "app_store_connect.provision_failed",
      actor: requester ?? admin,
      appId,
      target: { type: "job", id: job.id },
      // Apple's answer, as the error carries it: never a key or a token.
      details: {
        code: isAppError(error) ? error.code : "internal",
        message: isAppError(error) ? error.message : null,
        attempt: job.attempts,
      },
    });
    throw error;
  }
}
