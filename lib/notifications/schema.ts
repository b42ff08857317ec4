import { z } from "zod";
import { channelNameSchema } from "@/lib/channels/schema";

/** Watching an app (no channel: every channel the person sees) or one channel of it; `watching: false` stops. */
export const setWatchSchema = z.object({
  appId: z.uuid({ message: "Unknown app." }),
  channel: z
    .string()
    .optional()
    .nullable()
    .transform((v) => (v?.trim() ? v.trim() : null))
    .pipe(channelNameSchema.nullable()),
  watching: z.boolean({ message: "watching must be true or false." }),
});
export type SetWatchInput = z.input<typeof setWatchSchema>;
