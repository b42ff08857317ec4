import { z } from "zod";
import { channelNameSchema } from "@/lib/channels/schema";

/**
 * POST /api/v1/builds/{buildId}/resign: one identity, and a profile for the
 * app (`profileId`) and/or one per bundle id (`profiles`), for apps whose
 * extensions need their own. `channels`: where the new build lands (none:
 * the app's default channel).
 */
export const resignRequestSchema = z
  .object({
    buildId: z.uuid({ message: "Unknown build." }),
    identityId: z.uuid({ message: "identityId must be the id of a signing identity." }),
    profileId: z.uuid({ message: "profileId must be the id of a provisioning profile." }).optional(),
    profiles: z
      .record(
        z.string().min(1).max(255),
        z.uuid({ message: 'Each value in "profiles" must be the id of a provisioning profile.' }),
      )
      .optional(),
    channels: z.array(channelNameSchema).max(20, "At most 20 channels.").optional(),
  })
  .refine((v) => v.profileId || (v.profiles && Object.keys(v.profiles).length > 0), {
    message: 'Name a provisioning profile: "profileId", or "profiles": { "<bundle id>": "<profile id>" }.',
  });
export type ResignRequest = z.input<typeof resignRequestSchema>;

/** The route's JSON body: an object (the build comes from the path); requestResign parses it with resignRequestSchema. */
export const resignBodySchema = z.record(z.string(), z.unknown(), {
  message: 'Send JSON { "identityId": "…", "profileId": "…" }.',
});

/** What the job carries (the request, validated). */
export type ResignJobPayload = {
  buildId: string;
  identityId: string;
  profileId: string | null;
  profiles: Record<string, string>;
  channels: string[];
};

export const RESIGN_JOB_KIND = "build.resign";

// Any JSON (z.json() is recursive: its $defs would not resolve inside an OpenAPI component).
const jsonValue = z.unknown().describe("A plist value as JSON (data as base64).");
const entitlementsObject = z.record(z.string(), jsonValue);

/** What POST /api/v1/builds/{buildId}/resign/preview answers (lib/api-docs/openapi.ts is generated from it). */
export const resignPreviewResponseSchema = z.object({
  buildId: z.uuid(),
  identity: z.object({ id: z.uuid(), commonName: z.string(), teamId: z.string().nullable() }),
  teamId: z.string().describe("The team the re-signed app will belong to."),
  ok: z.boolean().describe("True when no bundle has an error: the re-sign would go ahead."),
  bundles: z
    .array(
      z.object({
        bundleId: z.string(),
        path: z.string().describe('Folder inside the .app: "" for the app, "PlugIns/Share.appex/" for an extension.'),
        profile: z
          .object({ id: z.uuid(), name: z.string(), uuid: z.string(), notAfter: z.iso.datetime({ offset: true }) })
          .nullable()
          .describe("The profile embedded in this bundle."),
        entitlements: z.object({
          before: entitlementsObject.describe("What its executable is signed with now."),
          after: entitlementsObject
            .nullable()
            .describe("What it would be signed with (null: refused before the rewrite)."),
        }),
        changes: z.array(
          z.object({
            key: z.string(),
            kind: z.enum(["added", "removed", "changed"]),
            from: jsonValue.nullable(),
            to: jsonValue.nullable(),
          }),
        ),
        error: z
          .object({ code: z.string(), message: z.string() })
          .nullable()
          .describe("Why the re-sign would be refused for this bundle: the code the re-sign itself fails with."),
      }),
    )
    .describe("The app first, then extensions and nested apps by path."),
});
export type ResignPreview = z.output<typeof resignPreviewResponseSchema>;

/** POST /api/v1/signing/profiles/{id}/renew: the newer profile and the identity to re-sign with. */
export const renewRequestSchema = z.object({
  oldProfileId: z.uuid({ message: "Unknown provisioning profile." }),
  profileId: z.uuid({ message: "profileId must be the id of the newer provisioning profile." }),
  identityId: z.uuid({ message: "identityId must be the id of a signing identity." }),
});
export type RenewRequest = z.input<typeof renewRequestSchema>;

/** The route's JSON body (the profile to renew comes from the path). */
export const renewBodySchema = z.object({
  profileId: z.uuid({ message: "profileId must be the id of the newer provisioning profile." }),
  identityId: z.uuid({ message: "identityId must be the id of a signing identity." }),
});
