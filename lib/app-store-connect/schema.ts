import { z } from "zod";

/** The job that registers devices, regenerates an app's profiles and re-signs (lib/jobs/handlers.ts). */
export const PROVISION_JOB_KIND = "provision-devices";
/** One profile regeneration per app per this many seconds, however many devices arrive. */
export const PROVISION_BATCH_SECONDS = 60;
/** Apple's yearly allowance per device kind (lib/app-store-connect/device-counts.ts). */
export const DEVICE_LIMIT_PER_KIND = 100;

export const PROFILE_TYPES = ["ad-hoc", "development"] as const;
export type SyncProfileType = (typeof PROFILE_TYPES)[number];

/** The key an admin stores: issuer id, key id and the .p8 App Store Connect let them download once. */
export const saveKeySchema = z.object({
  issuerId: z.uuid({ message: "The issuer id is the UUID shown above the keys in App Store Connect." }),
  keyId: z
    .string()
    .trim()
    .regex(/^[A-Z0-9]{8,16}$/, "The key id is the 10-character id of the key, e.g. 2X9R4HXF34."),
  privateKey: z
    .string()
    .max(4096, "A .p8 is a few hundred bytes.")
    .refine((v) => v.includes("PRIVATE KEY"), "Paste the whole .p8 file, BEGIN and END lines included."),
});
export type SaveKeyInput = z.input<typeof saveKeySchema>;

/** "Keep devices in sync" for an app: the identity whose certificate is in the account, and the profile type. */
export const deviceSyncSchema = z.object({
  appId: z.uuid({ message: "Unknown app." }),
  enabled: z.boolean(),
  identityId: z.uuid({ message: "Choose a signing identity." }).optional(),
  profileType: z.enum(PROFILE_TYPES, { message: 'The profile type is "ad-hoc" or "development".' }).optional(),
});
export type DeviceSyncInput = z.input<typeof deviceSyncSchema>;
/** PUT /api/v1/apps/{appId}/device-sync: the app comes from the path. */
export const deviceSyncBodySchema = deviceSyncSchema.omit({ appId: true });

/** "Add my iPhone" (one device) or "Add the N missing devices" (admins: no deviceIds = every missing one). */
export const provisionRequestSchema = z.object({
  buildId: z.uuid({ message: "Unknown build." }),
  deviceIds: z
    .array(z.uuid({ message: "Unknown device." }))
    .max(500)
    .optional(),
});
export type ProvisionRequest = z.input<typeof provisionRequestSchema>;
/** POST /api/v1/builds/{buildId}/devices: the build comes from the path. */
export const provisionBodySchema = provisionRequestSchema.omit({ buildId: true });

/** What the job carries: only the app; the devices are the app's rows in app_provisioned_devices. */
export type ProvisionJobPayload = { appId: string };

// What the API answers (lib/api-docs/openapi.ts is generated from these); the key itself never appears.
export const ascKeyResponseSchema = z
  .object({
    configured: z.boolean(),
    issuerId: z.string().nullable(),
    keyId: z.string().nullable(),
    createdAt: z.iso.datetime({ offset: true }).nullable(),
  })
  .describe("The App Store Connect API key Ferry uses; the .p8 is encrypted at rest and never returned.");

export const ascConnectionTestSchema = z
  .object({
    certificates: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        type: z.string(),
        serialNumber: z.string(),
        expires: z.string().nullable(),
      }),
    ),
    devices: z
      .array(z.object({ kind: z.string(), used: z.number().int(), limit: z.number().int() }))
      .describe("Devices registered per kind; Apple allows 100 of each per membership year."),
  })
  .describe("What the key sees in the account.");

export const deviceSyncResponseSchema = z.object({
  appId: z.uuid(),
  enabled: z.boolean(),
  identityId: z.uuid().nullable(),
  profileType: z.enum(PROFILE_TYPES).nullable(),
});

export const provisioningStateSchema = z
  .object({
    available: z
      .boolean()
      .describe(
        'Whether "Add my iPhone" is offered: device sync on for the app, a key set, an ad hoc or development build.',
      ),
    missing: z.array(
      z.object({ id: z.uuid(), udid: z.string(), name: z.string().nullable(), owner: z.string().nullable() }),
    ),
    pending: z.array(z.uuid()).describe("Devices asked for and waiting for the app's next regeneration."),
    job: z
      .object({
        id: z.uuid(),
        status: z.string(),
        error: z.object({ code: z.string(), message: z.string() }).nullable(),
      })
      .nullable(),
    resignedBuildId: z.uuid().nullable(),
    resign: z
      .object({ buildId: z.uuid(), status: z.string(), resignedBuildId: z.uuid().nullable() })
      .nullable()
      .describe(
        "The re-sign the latest provision job queued that leads from this build (or the newest of its channel).",
      ),
    failure: z
      .object({ code: z.string(), message: z.string() })
      .nullable()
      .describe("Why the work stopped, in plain words, with Apple's or the re-signer's own sentence."),
    newer: z
      .object({
        buildId: z.uuid(),
        label: z.string(),
        channel: z.string(),
        resigned: z.boolean(),
        deviceIds: z.array(z.uuid()),
      })
      .nullable()
      .describe("The newest build of this build's channel when it already lists some of the missing devices."),
    deviceLimit: z
      .object({
        kind: z.string(),
        used: z.number().int(),
        limit: z.number().int(),
        reached: z.boolean(),
        message: z.string(),
        deviceIds: z.array(z.uuid()),
      })
      .nullable()
      .describe(
        "Apple's yearly limit for the kind of the devices to add (last-known count), near or at it; at it, `deviceIds` cannot be added.",
      ),
  })
  .describe("What a build page shows about adding devices.");
