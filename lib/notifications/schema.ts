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

/** The body of POST /api/v1/watches: JSON, or the pages' form (`watching=true|false`); null when unreadable. */
export function watchBodyOf(raw: string, form: boolean): SetWatchInput | null {
  if (form) {
    const fields = new URLSearchParams(raw);
    const watching = fields.get("watching");
    return {
      appId: fields.get("appId") ?? "",
      channel: fields.get("channel"),
      watching: (watching === "true" ? true : watching === "false" ? false : watching) as boolean,
    };
  }
  try {
    const json: unknown = JSON.parse(raw);
    return json && typeof json === "object" && !Array.isArray(json) ? (json as SetWatchInput) : null;
  } catch {
    return null;
  }
}

// What the API answers (lib/api-docs/openapi.ts is generated from it).
export const watchResponseSchema = z.object({
  id: z.uuid(),
  appId: z.uuid(),
  appName: z.string(),
  channel: z.string().nullable().describe("null: the whole app (every channel the person sees)."),
  createdAt: z.iso.datetime({ offset: true }),
});
