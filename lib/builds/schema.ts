import { z } from "zod";

/** Release notes: Markdown source, rendered safely by lib/builds/markdown.ts. */
export const NOTES_MAX_LENGTH = 10_000;

export const editNotesSchema = z.object({
  buildId: z.string().uuid("Unknown build."),
  notes: z.string().max(NOTES_MAX_LENGTH, `Release notes are at most ${NOTES_MAX_LENGTH} characters.`),
});

export const deleteBuildSchema = z.object({ buildId: z.string().uuid("Unknown build.") });
