import { z } from "zod";

/** The name of the channel builds go to when an upload names none (the app's main track). */
export const DEFAULT_CHANNEL = "default";

/**
 * Channel names appear in URLs (`/apps/<id>/channels/<name>`), so they are kept
 * to a URL-safe set and compared lower-cased: "Beta" and "beta" are one channel.
 */
export const channelNameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(
    /^[a-z0-9][a-z0-9._-]{0,63}$/,
    "A channel name is 1 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit.",
  );

export const promoteBuildSchema = z.object({
  buildId: z.string().uuid("Unknown build."),
  channel: channelNameSchema,
});

/** The body of `POST /api/v1/builds/{buildId}/channels`. */
export const promoteBuildBodySchema = z.object(
  {
    channel: channelNameSchema,
    createChannel: z
      .boolean()
      .optional()
      .describe(
        "Whether a channel the app does not have yet may be created (default true, as before; the answer's `channelCreated` says when it was). false: 422 `unknown_channel` instead.",
      ),
  },
  { message: 'Send JSON { "channel": "beta" }.' },
);

export const renameChannelSchema = z.object({
  appId: z.string().uuid("Unknown app."),
  channel: channelNameSchema,
  name: channelNameSchema,
});

/** The body of `PATCH /api/v1/apps/{appId}/channels/{channel}`. */
export const renameChannelBodySchema = z.object(
  { name: channelNameSchema.describe("The channel's new name.") },
  { message: 'Send JSON { "name": "production" }.' },
);

export const deleteChannelSchema = z.object({
  appId: z.string().uuid("Unknown app."),
  channel: channelNameSchema,
  /** Where builds that are in no other channel go; required when there are any. */
  moveTo: channelNameSchema.nullish(),
});

/** An upload's `createChannel` field or query parameter: absent keeps the old behaviour (create). */
export const createChannelFlagSchema = z
  .enum(["true", "false", "1", "0", "yes", "no", "on", ""], {
    message: "createChannel is true or false.",
  })
  .transform((v) => v !== "false" && v !== "0" && v !== "no");

export const channelAccessSchema = z.object({
  appId: z.string().uuid("Unknown app."),
  channel: channelNameSchema,
  /** Empty: the channel inherits the app's access. */
  groupIds: z.array(z.string().uuid("Unknown group.")).max(100),
  /** A further group by its exact name (the admin's "add a group" input: the page does not list every group). */
  addGroupName: z.string().trim().max(200).optional(),
});
