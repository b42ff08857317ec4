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

/** The channel that leads the install page; null: automatic (production, else default, else the newest build). */
export const appDefaultChannelSchema = z.object({
  appId: idField("app"),
  channelId: idField("channel").nullable(),
});

const buildSummarySchema = z.object({
  id: z.uuid(),
  version: z.string(),
  buildNumber: z.string(),
  createdAt: z.iso.datetime({ offset: true }),
});

/** An app as `GET /api/v1/apps` answers it (lib/apps/data.ts AppDto). */
export const appResponseSchema = z.object({
  id: z.uuid(),
  bundleId: z.string(),
  name: z.string(),
  buildCount: z.int(),
  latest: buildSummarySchema.nullable().describe("The newest build the caller sees."),
  defaultChannel: z
    .string()
    .nullable()
    .describe(
      "The app's default channel, whose newest build leads the install page: picked by an admin, else `production`, else `default`. Null when there is none or the caller does not see it.",
    ),
  lead: buildSummarySchema
    .nullable()
    .describe("The build the install page leads with: the default channel's newest the caller sees, else `latest`."),
  updatedAt: z.iso.datetime({ offset: true }),
  adminsOnly: z.boolean().describe("Restricted and granted to no group: only admins see it."),
});
