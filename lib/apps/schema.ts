import { z } from "zod";
import { keepPerChannelSchema } from "@/lib/retention/schema";
import { idField } from "@/lib/server-actions/action-state";

export const appDetailsSchema = z.object({
  appId: z.string().uuid("Unknown app."),
  name: z.string().trim().min(1, "An app needs a name.").max(200, "An app name is at most 200 characters."),
  description: z.string().trim().max(5_000, "A description is at most 5,000 characters."),
});

export const APP_VISIBILITIES = ["restricted", "everyone"] as const;

export const appVisibilitySchema = z.object({
  appId: idField("app"),
  visibility: z.enum(APP_VISIBILITIES, {
    message: "Choose who can see the app: its groups only, or everyone signed in.",
  }),
});

export const appRetentionSchema = z.object({
  appId: z.string().uuid("Unknown app."),
  /** null: keep every build. At least 1, so a channel's newest build is never deleted. */
  keepPerChannel: keepPerChannelSchema.nullable(),
});

/** An app as `GET /api/v1/apps` answers it (lib/apps/data.ts AppDto). */
export const appResponseSchema = z.object({
  id: z.uuid(),
  bundleId: z.string(),
  name: z.string(),
  buildCount: z.int(),
  latest: z
    .object({
      id: z.uuid(),
      version: z.string(),
      buildNumber: z.string(),
      createdAt: z.iso.datetime({ offset: true }),
    })
    .nullable(),
  updatedAt: z.iso.datetime({ offset: true }),
  adminsOnly: z.boolean().describe("Restricted and granted to no group: only admins see it."),
});
