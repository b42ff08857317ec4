import { z } from "zod";

/** Release notes: Markdown source, rendered safely by lib/builds/markdown.ts. */
export const NOTES_MAX_LENGTH = 10_000;

export const editNotesSchema = z.object({
  buildId: z.string().uuid("Unknown build."),
  notes: z.string().max(NOTES_MAX_LENGTH, `Release notes are at most ${NOTES_MAX_LENGTH} characters.`),
});

/** The body of `PATCH /api/v1/builds/{buildId}`. */
export const editNotesBodySchema = z.object(
  { notes: editNotesSchema.shape.notes.describe("Markdown; an empty string removes the notes.") },
  { message: 'Send JSON { "notes": "…" }.' },
);

export const deleteBuildSchema = z.object({ buildId: z.string().uuid("Unknown build.") });
