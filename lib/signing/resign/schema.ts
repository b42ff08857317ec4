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
