import { z } from "zod";
import { channelNameSchema } from "@/lib/channels/schema";

export const createUpdateKeySchema = z.object({
  appId: z.uuid({ message: "Unknown app." }),
  name: z
    .string({ message: 'Name the key after the app release that embeds it, e.g. "iOS app 3.x".' })
    .trim()
    .min(1, 'Name the key after the app release that embeds it, e.g. "iOS app 3.x".')
    .max(100, "A key name is at most 100 characters."),
});
export type CreateUpdateKeyInput = z.input<typeof createUpdateKeySchema>;

/** The JSON body of POST /api/v1/apps/{appId}/update-keys (the app comes from the path). */
export const createUpdateKeyBodySchema = createUpdateKeySchema.pick({ name: true });

export const updateKeyRefSchema = z.object({
  appId: z.uuid({ message: "Unknown app." }),
  keyId: z.uuid({ message: "Unknown update key: reload the page." }),
});

/** A version or build number as an app reports it: digits and dots (text components are tolerated). */
const versionString = z
  .string()
  .trim()
  .regex(/^[0-9A-Za-z]+(\.[0-9A-Za-z]+){0,9}$/, "version and build are like 1.2.3 (digits separated by dots).");

/** The query of GET /api/v1/apps/{bundleId}/latest. */
export const updateCheckQuerySchema = z.object({
  channel: z
    .string()
    .optional()
    .nullable()
    .transform((v) => (v?.trim() ? v.trim() : null))
    .pipe(channelNameSchema.nullable()),
  version: versionString.optional().nullable(),
  build: versionString.optional().nullable(),
});

// What the API answers (lib/api-docs/openapi.ts is generated from these).
const dateTime = z.iso.datetime({ offset: true });

export const updateKeyResponseSchema = z.object({
  id: z.uuid(),
  appId: z.uuid(),
  name: z.string(),
  prefix: z.string().describe("The first characters after `ferryu_`, to tell keys apart."),
  createdAt: dateTime,
  lastUsedAt: dateTime.nullable(),
  revokedAt: dateTime.nullable(),
});

export const updateCheckResponseSchema = z.object({
  updateAvailable: z
    .boolean()
    .describe("The channel's newest build is newer than `version` (then `build`); false without `version`."),
  version: z.string().nullable().describe("CFBundleShortVersionString of the newest build."),
  build: z.string().nullable().describe("CFBundleVersion of the newest build."),
  pageUrl: z.string().nullable().describe("The build's page (sign-in needed); never an install link."),
  notes: z.string().nullable().describe("Release notes (Markdown)."),
});
