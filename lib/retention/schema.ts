import { z } from "zod";

/** The most builds per channel retention may keep: a typo's guard, far above any real setting. */
export const MAX_KEEP_PER_CHANNEL = 10_000;

/**
 * How many builds per channel retention keeps: a whole number from 1 (so a
 * channel's newest build is never deleted) to MAX_KEEP_PER_CHANNEL. The same
 * rule for the saved setting and for a preview.
 */
export const keepPerChannelSchema = z
  .number({ error: "Keep a whole number of builds." })
  .int("Keep a whole number of builds.")
  .min(1, "Keep at least 1 build per channel.")
  .max(MAX_KEEP_PER_CHANNEL, `Keep at most ${MAX_KEEP_PER_CHANNEL.toLocaleString("en-US")} builds per channel.`);

export const retentionPreviewSchema = z.object({
  appId: z.string().uuid("Unknown app."),
  /** Omitted: the app's saved setting. */
  keep: keepPerChannelSchema.nullable().optional(),
});
